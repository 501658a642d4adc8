# "NLP From Scratch: Classifying Names with a Character-Level RNN", the current version:
# one-hot letters built by item assignment (lineToTensor), CharRNN = nn.RNN -> nn.Linear ->
# nn.LogSoftmax on hidden[0], minibatches whose losses are summed before one backward,
# nn.utils.clip_grad_norm_, SGD, a confusion matrix under rnn.eval() / torch.no_grad(), topk;
# then the tutorial's exercise "Try the nn.LSTM and nn.GRU layers". Source: pytorch/tutorials,
# intermediate_source/char_rnn_classification_tutorial.py (read in the tutorials-kr copy of the
# current text). The downloaded names files are replaced by a few names inline, the random
# shuffle by a fixed order, and every parameter is set from fixed arithmetic.
import math
import string

import numpy as np
import torch
import torch.nn as nn

allowed_characters = string.ascii_letters + " .,;'"
n_letters = len(allowed_characters)

names = {
    "English": "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson",
    "Italian": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno",
    "Japanese": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato",
    "Polish": "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski",
    "Greek": "Papadopoulos Pappas Nikolaidis Georgiou Vlahos Karras Dimitriou Antoniou",
}
labels_uniq = list(names)


def letterToIndex(letter):
    return allowed_characters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(lineToTensor("Jones").size())

data = []
for label, line in names.items():
    for name in line.split():
        label_tensor = torch.tensor([labels_uniq.index(label)], dtype=torch.long)
        data.append((label_tensor, lineToTensor(name), label, name))
order = [(i * 17) % len(data) for i in range(len(data))]
train_set = [data[i] for i in order[: len(data) * 3 // 4]]
test_set = [data[i] for i in order[len(data) * 3 // 4:]]
print(len(train_set), len(test_set))


def set_weights(model, salt):
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            steps = torch.arange(p.numel())
            values = (steps * (0.6180 + 0.01 * number) + salt + number).sin()
            scale = 1.0 / math.sqrt(p.shape[-1]) if p.dim() > 1 else 0.1
            p.copy_(values.view(p.shape) * scale)


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()

        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)

        return output


class CharGRU(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        gru_out, hidden = self.gru(line_tensor)
        return self.softmax(self.h2o(hidden[0]))


class CharLSTM(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=2)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        lstm_out, (hidden, cell) = self.lstm(line_tensor)
        return self.softmax(self.h2o(hidden[-1]))


def label_from_output(output, output_labels):
    top_n, top_i = output.topk(1)
    label_i = top_i[0].item()
    return output_labels[label_i], label_i


def train(rnn, training_data, n_epoch=10, n_batch_size=8, report_every=2, learning_rate=0.2,
          criterion=nn.NLLLoss()):
    """
    Learn on a batch of training_data for a specified number of iterations and reporting thresholds
    """
    # Keep track of losses for plotting
    current_loss = 0
    all_losses = []
    rnn.train()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=learning_rate)

    for iter in range(1, n_epoch + 1):
        rnn.zero_grad() # clear the gradients

        # create some minibatches
        # we cannot use dataloaders because each of our names is a different length
        batches = list(range(len(training_data)))
        batches = np.array_split(batches, len(batches) //n_batch_size )

        for idx, batch in enumerate(batches):
            batch_loss = 0
            for i in batch: #for each example in this batch
                (label_tensor, text_tensor, label, text) = training_data[i]
                output = rnn.forward(text_tensor)
                loss = criterion(output, label_tensor)
                batch_loss += loss

            # optimize parameters
            batch_loss.backward()
            nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()

            current_loss += batch_loss.item() / len(batch)

        all_losses.append(current_loss / len(batches) )
        if iter % report_every == 0:
            print(f"{iter} ({iter / n_epoch:.0%}): \t average batch loss = {all_losses[-1]}")
        current_loss = 0

    return all_losses


def evaluate(rnn, testing_data, classes):
    confusion = torch.zeros(len(classes), len(classes))

    rnn.eval() #set to eval mode
    with torch.no_grad(): # do not record the gradients during eval phase
        for i in range(len(testing_data)):
            (label_tensor, text_tensor, label, text) = testing_data[i]
            output = rnn(text_tensor)
            guess, guess_i = label_from_output(output, classes)
            label_i = classes.index(label)
            confusion[label_i][guess_i] += 1

    # Normalize by dividing every row by its sum
    for i in range(len(classes)):
        denom = confusion[i].sum()
        if denom > 0:
            confusion[i] = confusion[i] / denom
    return confusion


def predict(rnn, input_line, n_predictions=3):
    with torch.no_grad():
        output = rnn(lineToTensor(input_line))
        topv, topi = output.topk(n_predictions, 1, True)
        for i in range(n_predictions):
            value = topv[0][i].item()
            category_index = topi[0][i].item()
            print('(%.2f) %s' % (value, labels_uniq[category_index]))
        return topv.sum().item()


n_hidden = 32
results = []
for model_class, salt in ((CharRNN, 0.2), (CharGRU, 0.9), (CharLSTM, 1.4)):
    rnn = model_class(n_letters, n_hidden, len(labels_uniq))
    set_weights(rnn, salt)
    print(rnn)
    all_losses = train(rnn, train_set, n_epoch=6, learning_rate=0.15)
    confusion = evaluate(rnn, test_set, classes=labels_uniq)
    top = predict(rnn, "Satoshi")
    results += [all_losses[0], all_losses[-1], confusion.trace().item(), top]

print("RESULT", *results)
