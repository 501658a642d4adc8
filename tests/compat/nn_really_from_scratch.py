# "What is torch.nn really?", step 1: a logistic regression from tensors alone.
# Synthetic 8x8 "digits" stand in for MNIST; every number comes from fixed arithmetic.
import math

import torch


def lcg(count, seed):
    """`count` numbers in [0, 1) from a linear congruential generator: the same in any library."""
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


n, features, classes = 640, 64, 10
y_train = torch.tensor([(i * 7 + i // 3) % classes for i in range(n)])
centers = (torch.arange(classes * features).reshape(classes, features) * 0.37).sin()
x_train = centers[y_train] + torch.tensor(lcg(n * features, 5)).reshape(n, features) - 0.5
print(x_train.shape, y_train.min(), y_train.max())

weights = (torch.arange(features * classes).reshape(features, classes) * 0.13).cos()
weights = weights / math.sqrt(features)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


bs = 64
xb = x_train[0:bs]
preds = model(xb)
print(preds[0], preds.shape)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll
yb = y_train[0:bs]
print(loss_func(preds, yb))


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


print(accuracy(preds, yb))

lr = 0.5
epochs = 2
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
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

final_loss = loss_func(model(xb), yb)
final_accuracy = accuracy(model(x_train), y_train)
print(final_loss, final_accuracy)
print("RESULT", final_loss.item(), final_accuracy.item(), weights.sum().item(), bias.sum().item())
