# "Convolutional Sentiment Analysis" (bentrevett/pytorch-sentiment-analysis, notebook 4): the
# CNN with nn.Conv2d filters of shape (fs, embedding_dim) over the unsqueezed embedding, and
# the CNN1d variant with nn.Conv1d over the permuted embedding; nn.Embedding with padding_idx,
# F.max_pool1d over the whole length, torch.cat, nn.Dropout, BCEWithLogitsLoss, Adam,
# binary_accuracy with torch.round(torch.sigmoid(...)), model.train() / model.eval(), zeroed
# <unk> and <pad> rows, predict_sentiment with a minimum length. Source:
# github.com/bentrevett/pytorch-sentiment-analysis, 4 - Convolutional Sentiment Analysis.ipynb.
# IMDb and torchtext are replaced by sentences made from a small fixed vocabulary, the dropout
# probability is 0 (seeded dropout masks cannot agree across libraries), and every parameter is
# set from fixed arithmetic.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

good = "great superb wonderful loved brilliant moving fun charming".split()
bad = "awful boring terrible hated dull weak mess tedious".split()
neutral = "the film movie plot actor story was and it a very this".split()
itos = ["<unk>", "<pad>"] + neutral + good + bad
stoi = {word: index for index, word in enumerate(itos)}
UNK_IDX, PAD_IDX = stoi["<unk>"], stoi["<pad>"]


def make_reviews(count, seed):
    texts, labels = [], []
    for i in range(count):
        positive = (i * 7 + seed) % 2
        length = 6 + (i * 5 + seed) % 9
        words = []
        for j in range(length):
            k = (i * 31 + j * 17 + seed * 13) % 23
            if k < 12:
                words.append(neutral[k])
            elif k < 18:
                words.append((good if positive else bad)[(i + j) % 8])
            elif k < 20:
                words.append((bad if positive else good)[(i * j) % 8])
            else:
                words.append("zzz")  # out of vocabulary: <unk>
        texts.append(words)
        labels.append(float(positive))
    return texts, labels


def batches(texts, labels, batch_size):
    for start in range(0, len(texts), batch_size):
        chunk = texts[start:start + batch_size]
        width = max(len(words) for words in chunk)
        ids = [[stoi.get(w, UNK_IDX) for w in words] + [PAD_IDX] * (width - len(words))
               for words in chunk]
        yield torch.tensor(ids), torch.tensor(labels[start:start + batch_size])


train_texts, train_labels = make_reviews(160, 1)
valid_texts, valid_labels = make_reviews(64, 2)


class CNN(nn.Module):
    def __init__(self, vocab_size, embedding_dim, n_filters, filter_sizes, output_dim,
                 dropout, pad_idx):

        super().__init__()

        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx = pad_idx)

        self.convs = nn.ModuleList([
                                    nn.Conv2d(in_channels = 1,
                                              out_channels = n_filters,
                                              kernel_size = (fs, embedding_dim))
                                    for fs in filter_sizes
                                    ])

        self.fc = nn.Linear(len(filter_sizes) * n_filters, output_dim)

        self.dropout = nn.Dropout(dropout)

    def forward(self, text):

        #text = [batch size, sent len]

        embedded = self.embedding(text)

        #embedded = [batch size, sent len, emb dim]

        embedded = embedded.unsqueeze(1)

        #embedded = [batch size, 1, sent len, emb dim]

        conved = [F.relu(conv(embedded)).squeeze(3) for conv in self.convs]

        #conved_n = [batch size, n_filters, sent len - filter_sizes[n] + 1]

        pooled = [F.max_pool1d(conv, conv.shape[2]).squeeze(2) for conv in conved]

        #pooled_n = [batch size, n_filters]

        cat = self.dropout(torch.cat(pooled, dim = 1))

        #cat = [batch size, n_filters * len(filter_sizes)]

        return self.fc(cat)


class CNN1d(nn.Module):
    def __init__(self, vocab_size, embedding_dim, n_filters, filter_sizes, output_dim,
                 dropout, pad_idx):

        super().__init__()

        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx = pad_idx)

        self.convs = nn.ModuleList([
                                    nn.Conv1d(in_channels = embedding_dim,
                                              out_channels = n_filters,
                                              kernel_size = fs)
                                    for fs in filter_sizes
                                    ])

        self.fc = nn.Linear(len(filter_sizes) * n_filters, output_dim)

        self.dropout = nn.Dropout(dropout)

    def forward(self, text):

        #text = [batch size, sent len]

        embedded = self.embedding(text)

        #embedded = [batch size, sent len, emb dim]

        embedded = embedded.permute(0, 2, 1)

        #embedded = [batch size, emb dim, sent len]

        conved = [F.relu(conv(embedded)) for conv in self.convs]

        #conved_n = [batch size, n_filters, sent len - filter_sizes[n] + 1]

        pooled = [F.max_pool1d(conv, conv.shape[2]).squeeze(2) for conv in conved]

        #pooled_n = [batch size, n_filters]

        cat = self.dropout(torch.cat(pooled, dim = 1))

        #cat = [batch size, n_filters * len(filter_sizes)]

        return self.fc(cat)


INPUT_DIM = len(itos)
EMBEDDING_DIM = 16
N_FILTERS = 10
FILTER_SIZES = [3, 4, 5]
OUTPUT_DIM = 1
DROPOUT = 0.0


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def set_weights(model, salt):
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            values = (torch.arange(p.numel()) * (0.5772 + 0.021 * number) + salt).sin()
            p.copy_(values.view(p.shape) * (1.5 / math.sqrt(fan_in)))


def binary_accuracy(preds, y):
    """
    Returns accuracy per batch, i.e. if you get 8/10 right, this returns 0.8, NOT 8
    """

    #round predictions to the closest integer
    rounded_preds = torch.round(torch.sigmoid(preds))
    correct = (rounded_preds == y).float() #convert into float for division
    acc = correct.sum() / len(correct)
    return acc


def train(model, iterator, optimizer, criterion):

    epoch_loss = 0
    epoch_acc = 0
    count = 0

    model.train()

    for text, label in iterator:

        optimizer.zero_grad()

        predictions = model(text).squeeze(1)

        loss = criterion(predictions, label)

        acc = binary_accuracy(predictions, label)

        loss.backward()

        optimizer.step()

        epoch_loss += loss.item()
        epoch_acc += acc.item()
        count += 1

    return epoch_loss / count, epoch_acc / count


def evaluate(model, iterator, criterion):

    epoch_loss = 0
    epoch_acc = 0
    count = 0

    model.eval()

    with torch.no_grad():

        for text, label in iterator:

            predictions = model(text).squeeze(1)

            loss = criterion(predictions, label)

            acc = binary_accuracy(predictions, label)

            epoch_loss += loss.item()
            epoch_acc += acc.item()
            count += 1

    return epoch_loss / count, epoch_acc / count


def predict_sentiment(model, sentence, min_len = 5):
    model.eval()
    tokenized = sentence.split()
    if len(tokenized) < min_len:
        tokenized += ['<pad>'] * (min_len - len(tokenized))
    indexed = [stoi.get(t, UNK_IDX) for t in tokenized]
    tensor = torch.LongTensor(indexed)
    tensor = tensor.unsqueeze(0)
    prediction = torch.sigmoid(model(tensor))
    return prediction.item()


results = []
for model_class, salt in ((CNN, 0.3), (CNN1d, 1.1)):
    model = model_class(INPUT_DIM, EMBEDDING_DIM, N_FILTERS, FILTER_SIZES, OUTPUT_DIM, DROPOUT,
                        PAD_IDX)
    set_weights(model, salt)
    print(f'The model has {count_parameters(model):,} trainable parameters')

    model.embedding.weight.data[UNK_IDX] = torch.zeros(EMBEDDING_DIM)
    model.embedding.weight.data[PAD_IDX] = torch.zeros(EMBEDDING_DIM)

    optimizer = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.BCEWithLogitsLoss()

    N_EPOCHS = 3
    for epoch in range(N_EPOCHS):
        train_loss, train_acc = train(model, batches(train_texts, train_labels, 32), optimizer,
                                      criterion)
        valid_loss, valid_acc = evaluate(model, batches(valid_texts, valid_labels, 32),
                                         criterion)
        print(f'Epoch: {epoch+1:02} | Train Loss: {train_loss:.3f} | '
              f'Train Acc: {train_acc*100:.2f}% | Val. Loss: {valid_loss:.3f} | '
              f'Val. Acc: {valid_acc*100:.2f}%')

    positive = predict_sentiment(model, "this film is great")
    negative = predict_sentiment(model, "this film is terrible")
    pad_row = model.embedding.weight[PAD_IDX].abs().sum().item()
    results += [train_loss, valid_loss, valid_acc, positive, negative, pad_row,
                count_parameters(model)]

print("RESULT", *results)
