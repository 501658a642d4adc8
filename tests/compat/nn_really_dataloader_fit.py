# "What is torch.nn really?", steps 6-9: TensorDataset, DataLoader, fit() with validation,
# nn.Sequential with a Lambda layer, a wrapped DataLoader and a device.
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


def lcg(count, seed):
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


def make_digits(n, seed):
    y = torch.tensor([(i * 7 + i // 3 + seed) % 10 for i in range(n)])
    centers = (torch.arange(640).reshape(10, 64) * 0.37).sin()
    x = centers[y] + torch.tensor(lcg(n * 64, seed)).reshape(n, 64) - 0.5
    return x, y


x_train, y_train = make_digits(512, 3)
x_valid, y_valid = make_digits(200, 4)
bs, lr, epochs = 64, 0.1, 3
loss_func = F.cross_entropy

train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, val_loss)
    return val_loss


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x, y):
    return x.view(-1, 1, 8, 8).to(dev), y.to(dev)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


def set_weights(model):
    """Fixed weights for every nn.Linear, in place of the default random initialisation."""
    with torch.no_grad():
        for number, layer in enumerate(model.modules()):
            if isinstance(layer, nn.Linear):
                count = layer.weight.numel()
                values = (torch.arange(count) * (0.7 + number * 0.1)).sin() * 0.15
                layer.weight.copy_(values.view(layer.weight.shape))
                layer.bias.fill_(0.01 * number)


dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
print(len(train_dl), len(valid_dl), len(train_dl.dataset))
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model = nn.Sequential(
    Lambda(lambda x: x.view(x.size(0), -1)),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 10),
)
set_weights(model)
model.to(dev)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
val_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

xb, yb = next(iter(valid_dl))
print(xb.shape, yb.shape)
with torch.no_grad():
    correct = (model(xb).argmax(dim=1) == yb).float().mean()
print(f"validation loss {val_loss:.4f}, accuracy on one batch {correct:.4f}")
print("RESULT", float(val_loss), correct.item(), sum(p.sum().item() for p in model.parameters()))
