# "What is torch.nn really?", the CNN part: Mnist_CNN (three stride-2 Conv2d layers, F.relu,
# F.avg_pool2d), the same net as nn.Sequential with Lambda layers and nn.AvgPool2d, then with a
# WrappedDataLoader and nn.AdaptiveAvgPool2d(1). Source: pytorch/tutorials,
# beginner_source/nn_tutorial.py. The MNIST download is replaced by 28x28 images made from
# fixed arithmetic, and every parameter is set from fixed arithmetic after construction.
import math

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
    centers = (torch.arange(10 * 784).reshape(10, 784) * 0.0131).sin().clamp(min=0)
    x = 0.7 * centers[y] + 0.3 * torch.tensor(lcg(n * 784, seed)).reshape(n, 784)
    return x, y


def set_weights(model, salt):
    """Fixed weights for every parameter, in place of the default random initialisation."""
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            values = (torch.arange(p.numel()) * (0.37 + 0.11 * number) + salt).sin()
            p.copy_(values.view(p.shape) * (2.0 / math.sqrt(fan_in)))


x_train, y_train = make_digits(256, 3)
x_valid, y_valid = make_digits(128, 4)
train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
bs, epochs = 64, 2
loss_func = F.cross_entropy


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
    return float(val_loss)


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


lr = 0.1

model = Mnist_CNN()
set_weights(model, 0.5)
print(model)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
cnn_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)
print([name for name, _ in model.named_parameters()], model.conv1.weight.shape)
cnn_params = sum(p.numel() for p in model.parameters())


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
set_weights(model, 0.5)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
sequential_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)


def preprocess(x, y):
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        batches = iter(self.dl)
        for b in batches:
            yield (self.func(*b))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
set_weights(model, 1.5)
dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
model.to(dev)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
adaptive_loss = fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# The adaptive pool lets the model take any image size.
with torch.no_grad():
    xb, yb = next(iter(valid_dl))
    accuracy = (model(xb).argmax(dim=1) == yb).float().mean().item()
    bigger = model(torch.ones(2, 1, 40, 36) * 0.5)
print(bigger.shape, accuracy)
print("RESULT", cnn_loss, sequential_loss, adaptive_loss, accuracy, cnn_params,
      bigger.sum().item(), sum(p.sum().item() for p in model.parameters()))
