# "What is torch.nn really?", steps 2-5: F.cross_entropy, nn.Module, nn.Linear, optim.
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch import optim


def lcg(count, seed):
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


n, features, classes = 640, 64, 10
y_train = torch.tensor([(i * 7 + i // 3) % classes for i in range(n)])
centers = (torch.arange(classes * features).reshape(classes, features) * 0.37).sin()
x_train = centers[y_train] + torch.tensor(lcg(n * features, 9)).reshape(n, features) - 0.5
start_weights = (torch.arange(features * classes).reshape(features, classes) * 0.13).cos()
start_weights = start_weights / math.sqrt(features)

bs, lr, epochs = 64, 0.5, 2
loss_func = F.cross_entropy


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


# Step 2: torch.nn.functional.
weights = start_weights.clone().requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def model(xb):
    return xb @ weights + bias


xb, yb = x_train[0:bs], y_train[0:bs]
print(loss_func(model(xb), yb), accuracy(model(xb), yb))
step2 = loss_func(model(xb), yb).item()


# Step 3: nn.Module.
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(start_weights.clone())
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
print(loss_func(model(xb), yb))


def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


fit()
step3 = loss_func(model(xb), yb).item()
print(step3)


# Step 4: nn.Linear.
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(64, 10)
        with torch.no_grad():
            self.lin.weight.copy_(start_weights.t())
            self.lin.bias.zero_()

    def forward(self, xb):
        return self.lin(xb)


model = Mnist_Logistic()
fit()
step4 = loss_func(model(xb), yb).item()
print(step4)


# Step 5: optim.
def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
print(loss_func(model(xb), yb))

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

step5 = loss_func(model(xb), yb).item()
print(step5)
print("RESULT", step2, step3, step4, step5, accuracy(model(x_train), y_train).item())
