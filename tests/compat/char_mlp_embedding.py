# A character-level MLP language model (the makemore lectures, part 2): an embedding table
# indexed by hand, a tanh layer, F.cross_entropy, and updates through p.data.
import random

import torch
import torch.nn.functional as F

words = """emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily
elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace chloe
penelope layla riley zoey nora lily eleanor hannah lillian addison aubrey ellie stella
natalie zoe leah hazel violet aurora savannah audrey brooklyn bella claire skylar lucy
paisley everly anna caroline nova genesis emilia kennedy samantha maya willow kinsley
naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity
autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia
alexa josephine emery julia delilah arianna vivian kaylee sophie brielle madeline""".split()

chars = sorted(list(set("".join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3


def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:])

# The lecture draws from torch.randn(..., generator=g); Python's own generator gives both
# libraries the same numbers.
g = random.Random(2147483647)


def randn(*shape):
    count = 1
    for size in shape:
        count *= size
    return torch.tensor([g.gauss(0.0, 1.0) for _ in range(count)]).view(*shape)


C = randn(vocab_size, 10)
W1 = randn(30, 100) * 0.3
b1 = randn(100) * 0.01
W2 = randn(100, vocab_size) * 0.1
b2 = randn(vocab_size) * 0
parameters = [C, W1, b1, W2, b2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

lossi, stepi = [], []
for i in range(300):
    ix = torch.tensor([g.randrange(Xtr.shape[0]) for _ in range(32)])

    emb = C[Xtr[ix]]  # (32, 3, 10)
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)  # (32, 100)
    logits = h @ W2 + b2  # (32, vocab_size)
    loss = F.cross_entropy(logits, Ytr[ix])

    for p in parameters:
        p.grad = None
    loss.backward()

    lr = 0.1 if i < 200 else 0.01
    for p in parameters:
        p.data += -lr * p.grad

    stepi.append(i)
    lossi.append(loss.log10().item())

print(f"last minibatch loss {loss:.4f}")


@torch.no_grad()
def split_loss(X, Y):
    emb = C[X]
    h = torch.tanh(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    return F.cross_entropy(logits, Y)


train_loss = split_loss(Xtr, Ytr)
dev_loss = split_loss(Xdev, Ydev)
print("train", train_loss.item(), "dev", dev_loss.item())

# Greedy decoding instead of torch.multinomial, so that both libraries pick the same letters.
codes = 0
for _ in range(3):
    out = []
    context = [0] * block_size
    while len(out) < 12:
        emb = C[torch.tensor([context])]  # (1, block_size, d)
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        logits = h @ W2 + b2
        probs = F.softmax(logits, dim=1)
        ix = torch.argmax(probs).item()
        context = context[1:] + [ix]
        out.append(ix)
        codes += ix
        if ix == 0:
            break
    print("".join(itos[i] for i in out))

print("RESULT", train_loss.item(), dev_loss.item(), sum(lossi) / len(lossi), codes)
