# The makemore lectures, part 5 "building a WaveNet", written with torch.nn's own modules in
# place of the lecture's hand-made ones: nn.Embedding, a FlattenConsecutive module, nn.Linear
# without bias, nn.BatchNorm1d (on 3-d input through a transposing subclass, since the
# lecture's BatchNorm1d normalises (B, T, C) over B and T), nn.Tanh, nn.Sequential; train and
# eval modes, running statistics, split losses, and a greedy (argmax) sample instead of
# torch.multinomial. Source: karpathy/nn-zero-to-hero, lectures/makemore/makemore_part5_cnn1.ipynb
# (and part3_bn for the training loop). names.txt is replaced by a few names inline.
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

words = """emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily
elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace chloe
penelope layla riley zoey nora lily eleanor hannah lillian addison aubrey ellie stella
natalie zoe leah hazel violet aurora savannah audrey brooklyn bella claire skylar lucy
paisley everly anna caroline nova genesis emilia kennedy samantha maya willow kinsley
naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity
autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia
alexa josephine emery julia delilah arianna vivian kaylee sophie brielle madeline""".split()

chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 8  # context length: how many characters do we take to predict the next one?


def build_dataset(words):
    X, Y = [], []

    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]  # crop and append

    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])     # 80%
Xdev, Ydev = build_dataset(words[n1:])   # 20%


class FlattenConsecutive(nn.Module):

    def __init__(self, n):
        super().__init__()
        self.n = n

    def forward(self, x):
        B, T, C = x.shape
        x = x.view(B, T // self.n, C * self.n)
        if x.shape[1] == 1:
            x = x.squeeze(1)
        return x


class BatchNorm1d(nn.BatchNorm1d):
    # nn.BatchNorm1d takes (N, C) or (N, C, L); the hierarchy gives (B, T, C).
    def forward(self, x):
        if x.dim() == 3:
            return super().forward(x.transpose(1, 2)).transpose(1, 2).contiguous()
        return super().forward(x)


g = random.Random(2147483647)  # for reproducibility


def randn(shape):
    count = 1
    for size in shape:
        count *= size
    return torch.tensor([g.gauss(0.0, 1.0) for _ in range(count)]).view(shape)


n_embd = 10  # the dimensionality of the character embedding vectors
n_hidden = 48  # the number of neurons in the hidden layer of the MLP
model = nn.Sequential(
    nn.Embedding(vocab_size, n_embd),
    FlattenConsecutive(2), nn.Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden),
    nn.Tanh(),
    FlattenConsecutive(2), nn.Linear(n_hidden * 2, n_hidden, bias=False),
    BatchNorm1d(n_hidden), nn.Tanh(),
    FlattenConsecutive(2), nn.Linear(n_hidden * 2, n_hidden, bias=False),
    BatchNorm1d(n_hidden), nn.Tanh(),
    nn.Linear(n_hidden, vocab_size),
)

# parameter init
with torch.no_grad():
    for layer in model:
        if isinstance(layer, nn.Embedding):
            layer.weight.copy_(randn(layer.weight.shape))
        elif isinstance(layer, nn.Linear):
            fan_in = layer.weight.shape[1]
            layer.weight.copy_(randn(layer.weight.shape) / fan_in ** 0.5)
            if layer.bias is not None:
                layer.bias.zero_()
    model[-1].weight *= 0.1  # last layer make less confident

parameters = list(model.parameters())
print(sum(p.nelement() for p in parameters))  # number of parameters in total
for p in parameters:
    p.requires_grad = True

# same optimization as last time
max_steps = 300
batch_size = 32
lossi = []

for i in range(max_steps):

    # minibatch construct
    ix = torch.tensor([g.randrange(Xtr.shape[0]) for _ in range(batch_size)])
    Xb, Yb = Xtr[ix], Ytr[ix]  # batch X,Y

    # forward pass
    logits = model(Xb)
    loss = F.cross_entropy(logits, Yb)  # loss function

    # backward pass
    for p in parameters:
        p.grad = None
    loss.backward()

    # update: simple SGD
    lr = 0.1 if i < 200 else 0.01  # step learning rate decay
    for p in parameters:
        p.data += -lr * p.grad

    # track stats
    if i % 100 == 0:  # print every once in a while
        print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    lossi.append(loss.log10().item())

# put layers into eval mode (needed for batchnorm especially)
model.eval()


# evaluate the loss
@torch.no_grad()  # this decorator disables gradient tracking inside pytorch
def split_loss(split):
    x, y = {
        'train': (Xtr, Ytr),
        'val': (Xdev, Ydev),
    }[split]
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    print(split, loss.item())
    return loss.item()


train_loss = split_loss('train')
val_loss = split_loss('val')

# sample from the model, greedily
out = []
with torch.no_grad():
    context = [0] * block_size  # initialize with all ...
    for _ in range(12):
        logits = model(torch.tensor([context]))
        probs = F.softmax(logits, dim=1)
        ix = torch.argmax(probs, dim=1).item()
        context = context[1:] + [ix]
        out.append(ix)
print(''.join(itos[i] for i in out))

norms = [layer for layer in model if isinstance(layer, nn.BatchNorm1d)]
print(norms[0])
print("RESULT", train_loss, val_loss, sum(lossi) / len(lossi), *out[:4],
      sum(layer.running_mean.sum().item() for layer in norms),
      sum(layer.running_var.sum().item() for layer in norms),
      norms[0].num_batches_tracked.item(), len(model.state_dict()))
