# "Sequence Models and Long Short-Term Memory Networks": nn.LSTM stepped one element at a time
# with an explicit (h, c) state and then run on the whole sequence; the LSTMTagger
# (nn.Embedding -> nn.LSTM -> nn.Linear -> F.log_softmax, nn.NLLLoss, SGD, 300 epochs on two
# sentences), and the tutorial's exercise: a character-level LSTM whose final hidden state is
# concatenated to each word embedding. Source: pytorch/tutorials,
# beginner_source/nlp/sequence_models_tutorial.py. torch.randn and the default initialisation
# are replaced by fixed arithmetic.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def fixed(*shape, salt=0.0):
    steps = torch.arange(math.prod(shape))
    return ((steps * 0.7548 + salt).sin() * (steps * 0.31 + 1.0).cos()).view(shape)


def set_weights(model, salt):
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            p.copy_(fixed(*p.shape, salt=salt + number) * 0.5)


lstm = nn.LSTM(3, 3)  # Input dim is 3, output dim is 3
set_weights(lstm, 0.1)
inputs = [fixed(1, 3, salt=i) for i in range(5)]  # make a sequence of length 5

# initialize the hidden state.
hidden = (fixed(1, 1, 3, salt=7.0), fixed(1, 1, 3, salt=8.0))
for i in inputs:
    # Step through the sequence one element at a time.
    # after each step, hidden contains the hidden state.
    out, hidden = lstm(i.view(1, 1, -1), hidden)
stepped = hidden[0].sum().item() + hidden[1].sum().item()

# alternatively, we can do the entire sequence all at once.
inputs = torch.cat(inputs).view(len(inputs), 1, -1)
hidden = (fixed(1, 1, 3, salt=7.0), fixed(1, 1, 3, salt=8.0))
out, hidden = lstm(inputs, hidden)
print(out)
print(hidden)
whole = hidden[0].sum().item() + hidden[1].sum().item()
last_matches = (out[-1] - hidden[0][0]).abs().max().item()


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


training_data = [
    # Tags are: DET - determiner; NN - noun; V - verb
    # For example, the word "The" is a determiner
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])
]
word_to_ix = {}
# For each words-list (sentence) and tags-list in each tuple of training_data
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:  # word has not been assigned an index yet
            word_to_ix[word] = len(word_to_ix)  # Assign each word with a unique index
print(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}  # Assign each tag with a unique index

# These will usually be more like 32 or 64 dimensional.
# We will keep them small, so we can see how the weights change as we train.
EMBEDDING_DIM = 6
HIDDEN_DIM = 6


class LSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim

        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)

        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)

        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
set_weights(model, 0.3)
print([name for name, _ in model.named_parameters()])
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)

# See what the scores are before training
# Note that element i,j of the output is the score for tag j for word i.
# Here we don't need to train, so the code is wrapped in torch.no_grad()
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    print(tag_scores)
    before = tag_scores.sum().item()

for epoch in range(300):  # again, normally you would NOT do 300 epochs, it is toy data
    for sentence, tags in training_data:
        # Step 1. Remember that Pytorch accumulates gradients.
        # We need to clear them out before each instance
        model.zero_grad()

        # Step 2. Get our inputs ready for the network, that is, turn them into
        # Tensors of word indices.
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)

        # Step 3. Run our forward pass.
        tag_scores = model(sentence_in)

        # Step 4. Compute the loss, gradients, and update the parameters by
        #  calling optimizer.step()
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
    if epoch % 100 == 0:
        print(epoch, loss.item())
tagger_loss = loss.item()

# See what the scores are after training
with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)

    # The sentence is "the dog ate the apple".  i,j corresponds to score for tag j
    # for word i. The predicted tag is the maximum scoring tag.
    print(tag_scores)
    predicted = tag_scores.argmax(dim=1).tolist()
    after = tag_scores.sum().item()
print(predicted)


# Exercise: augmenting the tagger with character-level features.
char_to_ix = {}
for sent, _ in training_data:
    for word in sent:
        for ch in word:
            if ch not in char_to_ix:
                char_to_ix[ch] = len(char_to_ix)
CHAR_EMBEDDING_DIM = 4
CHAR_HIDDEN_DIM = 3


class CharLSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size,
                 char_embedding_dim, char_hidden_dim, char_vocab_size):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.char_embeddings = nn.Embedding(char_vocab_size, char_embedding_dim)
        self.char_lstm = nn.LSTM(char_embedding_dim, char_hidden_dim)
        self.lstm = nn.LSTM(embedding_dim + char_hidden_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence, words):
        char_states = []
        for word in words:
            chars = self.char_embeddings(prepare_sequence(word, char_to_ix))
            _, (h_n, c_n) = self.char_lstm(chars.view(len(word), 1, -1))
            char_states.append(h_n.view(1, -1))
        embeds = torch.cat([self.word_embeddings(sentence), torch.cat(char_states)], dim=1)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


model = CharLSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix),
                       CHAR_EMBEDDING_DIM, CHAR_HIDDEN_DIM, len(char_to_ix))
set_weights(model, 1.7)
optimizer = optim.SGD(model.parameters(), lr=0.1)
for epoch in range(60):
    for sentence, tags in training_data:
        model.zero_grad()
        tag_scores = model(prepare_sequence(sentence, word_to_ix), sentence)
        loss = loss_function(tag_scores, prepare_sequence(tags, tag_to_ix))
        loss.backward()
        optimizer.step()
char_loss = loss.item()
print("char-level tagger loss", char_loss)

print("RESULT", stepped, whole, last_matches, before, tagger_loss, after, *predicted, char_loss,
      len(model.state_dict()))
