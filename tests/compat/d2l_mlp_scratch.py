# A multilayer perceptron from scratch, d2l.ai style: nn.Parameter weights, a relu made of
# torch.max against zeros_like, nn.CrossEntropyLoss(reduction='none') and torch.optim.SGD.
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_images(n, offset):
    y = torch.tensor([(3 * i + offset) % 10 for i in range(n)])
    prototypes = (torch.arange(10 * 49).reshape(10, 1, 7, 7) * 0.29).cos()
    jitter = (torch.arange(n * 49).reshape(n, 1, 7, 7) * (0.011 + offset)).sin() * 0.8
    return prototypes[y] + jitter, y


train_iter = DataLoader(TensorDataset(*make_images(400, 0)), batch_size=64, shuffle=False)
test_iter = DataLoader(TensorDataset(*make_images(150, 1)), batch_size=64)

num_inputs, num_outputs, num_hiddens = 49, 10, 32


def fixed_normal(std, size, salt):
    """Stands in for torch.normal(0, std, size=size): the same numbers in any library."""
    count = size[0] * size[1]
    return (torch.arange(count).reshape(size) * salt).sin() * std * 1.7


W1 = nn.Parameter(fixed_normal(0.1, (num_inputs, num_hiddens), 0.37))
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(fixed_normal(0.1, (num_hiddens, num_outputs), 0.53))
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))

params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)  # "@" is matrix multiplication
    return (H @ W2 + b2)


loss = nn.CrossEntropyLoss(reduction="none")

num_epochs, lr = 5, 0.1
updater = torch.optim.SGD(params, lr=lr)
for epoch in range(num_epochs):
    total, count = 0.0, 0
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        updater.zero_grad()
        l.mean().backward()
        updater.step()
        total += l.sum().item()
        count += y.numel()
    print(f"epoch {epoch + 1}, loss {total / count:.4f}")

correct = 0
seen = 0
with torch.no_grad():
    for X, y in test_iter:
        correct += (net(X).argmax(dim=1) == y).sum().item()
        seen += len(y)
print("RESULT", total / count, correct / seen, W1.sum().item(), W2.abs().sum().item())
