# The makemore lectures, part 3: a character MLP with batch normalisation written by hand,
# running statistics kept under no_grad, and the dead-tanh diagnostics.
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
vocab_size = len(stoi)
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
    return torch.tensor(X), torch.tensor(Y)


random.seed(7)
random.shuffle(words)
n1 = int(0.8 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xval, Yval = build_dataset(words[n1:])

g = random.Random(2147483647)


def randn(shape):
    count = 1
    for size in shape:
        count *= size
    return torch.tensor([g.gauss(0.0, 1.0) for _ in range(count)]).view(shape)


n_embd = 10
n_hidden = 64

C = randn((vocab_size, n_embd))
W1 = randn((n_embd * block_size, n_hidden)) * (5 / 3) / ((n_embd * block_size) ** 0.5)
b1 = randn((n_hidden,)) * 0.01
W2 = randn((n_hidden, vocab_size)) * 0.01
b2 = randn((vocab_size,)) * 0

bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))

parameters = [C, W1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 300
batch_size = 32
lossi = []

for i in range(max_steps):
    ix = torch.tensor([g.randrange(Xtr.shape[0]) for _ in range(batch_size)])
    Xb, Yb = Xtr[ix], Ytr[ix]

    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1  # + b1: the batch norm's bias makes it redundant
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)

    for p in parameters:
        p.grad = None
    loss.backward()

    lr = 0.1 if i < 200 else 0.01
    for p in parameters:
        p.data += -lr * p.grad

    if i % 100 == 0:
        print(f"{i:7d}/{max_steps:7d}: {loss.item():.4f}")
    lossi.append(loss.log10().item())

saturated = (h.abs() > 0.99).float().mean()
print(f"saturated tanh units in the last batch: {saturated * 100:.1f}%")

with torch.no_grad():
    emb = C[Xtr]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    bnmean = hpreact.mean(0, keepdim=True)
    bnstd = hpreact.std(0, keepdim=True)


@torch.no_grad()
def split_loss(x, y, mean, std):
    emb = C[x]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    hpreact = bngain * (hpreact - mean) / std + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    return F.cross_entropy(logits, y).item()


calibrated = split_loss(Xval, Yval, bnmean, bnstd)
running = split_loss(Xval, Yval, bnmean_running, bnstd_running)
print("val", calibrated, running)
print("RESULT", calibrated, running, saturated.item(), bnmean_running.sum().item(),
      sum(lossi) / len(lossi))
