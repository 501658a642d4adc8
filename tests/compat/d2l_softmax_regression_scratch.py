# Softmax regression from scratch, d2l.ai style: softmax by hand, cross-entropy by fancy
# indexing, an Accumulator, accuracy with argmax, and a DataLoader over a TensorDataset.
import torch
from torch.utils import data


def make_images(n, offset):
    y = torch.tensor([(3 * i + offset) % 10 for i in range(n)])
    prototypes = (torch.arange(10 * 49).reshape(10, 1, 7, 7) * 0.29).cos()
    jitter = (torch.arange(n * 49).reshape(n, 1, 7, 7) * (0.011 + offset)).sin() * 0.8
    return prototypes[y] + jitter, y


train_x, train_y = make_images(400, 0)
test_x, test_y = make_images(150, 1)
batch_size = 50
train_iter = data.DataLoader(data.TensorDataset(train_x, train_y), batch_size, shuffle=False)
test_iter = data.DataLoader(data.TensorDataset(test_x, test_y), batch_size, shuffle=False)

num_inputs = 49
num_outputs = 10
W = (torch.arange(num_inputs * num_outputs) * 0.71).sin().reshape(num_inputs, num_outputs)
W = (W * 0.01).requires_grad_(True)
b = torch.zeros(num_outputs, requires_grad=True)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdim=True), X.sum(1, keepdim=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # broadcasting


X = torch.tensor([[0.3, -1.2, 0.5, 2.0, 0.1], [1.1, 0.0, -0.4, 0.7, 0.2]])
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(cross_entropy(y_hat, y))


def accuracy(y_hat, y):
    """Count the correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


print(accuracy(y_hat, y) / len(y))


class Accumulator:
    """Sums over n variables."""
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_accuracy(net, data_iter):
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def updater(batch_size, lr=0.1):
    with torch.no_grad():
        for param in (W, b):
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch_ch3(net, train_iter, loss, updater):
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        l.sum().backward()
        updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


num_epochs = 4
for epoch in range(num_epochs):
    train_metrics = train_epoch_ch3(net, train_iter, cross_entropy, updater)
    test_acc = evaluate_accuracy(net, test_iter)
    print(f"epoch {epoch + 1}: loss {train_metrics[0]:.4f}, train acc {train_metrics[1]:.3f}, "
          f"test acc {test_acc:.3f}")

print("RESULT", *train_metrics, test_acc, W.sum().item())
