# Dive into Deep Learning, "Batch Normalization": batch_norm from scratch (torch.is_grad_enabled
# picks the moving statistics), a BatchNorm module keeping moving_mean / moving_var as plain
# tensor attributes, LeNet with it, then the concise LeNet with nn.BatchNorm2d / nn.BatchNorm1d,
# nn.AvgPool2d, nn.Sigmoid, trained by train_ch6's loop (net.train(), SGD with lr 1.0,
# CrossEntropyLoss) and scored by evaluate_accuracy_gpu's (net.eval(), torch.no_grad()); then
# "Residual Connection and Layer Normalization": nn.LayerNorm against nn.BatchNorm1d on the
# same 2x2 input, and AddNorm (nn.Dropout + nn.LayerNorm) in eval mode. Source: d2l-ai/d2l-en
# (and d2l-zh), chapter_convolutional-modern/batch-norm.md and
# chapter_attention-mechanisms-and-transformers/transformer.md. Fashion-MNIST is replaced by
# 28x28 images made from fixed arithmetic, and Xavier initialisation by fixed arithmetic.
import math

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Use is_grad_enabled to determine whether we are in training mode
    if not torch.is_grad_enabled():
        # In prediction mode, use mean and variance obtained by moving average
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # When using a fully connected layer, calculate the mean and
            # variance on the feature dimension
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # When using a two-dimensional convolutional layer, calculate the
            # mean and variance on the channel dimension (axis=1). Here we
            # need to maintain the shape of `X`, so that the broadcasting
            # operation can be carried out later
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # In training mode, the current mean and variance are used
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the mean and variance using moving average
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta  # Scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: the number of outputs for a fully connected layer
    # or the number of output channels for a convolutional layer. num_dims:
    # 2 for a fully connected layer and 4 for a convolutional layer
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # The scale parameter and the shift parameter (model parameters) are
        # initialized to 1 and 0, respectively
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # The variables that are not model parameters are initialized to 0 and 1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        # If X is not on the main memory, copy moving_mean and moving_var to
        # the device where X is located
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # Save the updated moving_mean and moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


def lcg(count, seed):
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


def make_fashion(n, seed):
    y = torch.tensor([(i * 3 + i // 5 + seed) % 10 for i in range(n)])
    prototypes = (torch.arange(10 * 784).reshape(10, 1, 28, 28) * 0.0173).sin().abs()
    x = 0.6 * prototypes[y] + 0.4 * torch.tensor(lcg(n * 784, seed)).reshape(n, 1, 28, 28)
    return x, y


batch_size = 64
train_iter = DataLoader(TensorDataset(*make_fashion(256, 1)), batch_size, shuffle=False)
test_iter = DataLoader(TensorDataset(*make_fashion(128, 2)), batch_size, shuffle=False)


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        with torch.no_grad():
            fan_in, fan_out = m.weight[0].numel(), m.weight.shape[0]
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            values = (torch.arange(m.weight.numel()) * 0.9173 + fan_in).sin() * bound
            m.weight.copy_(values.view(m.weight.shape))
            m.bias.zero_()


def accuracy(y_hat, y):
    """Compute the number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Compute the accuracy for a model on a dataset using a GPU."""
    if isinstance(net, nn.Module):
        net.eval()  # Set the model to evaluation mode
    correct, total = 0.0, 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += accuracy(net(X), y)
            total += y.numel()
    return correct / total


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Train a model with a GPU."""
    net.apply(init_weights)
    print('training on', device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    for epoch in range(num_epochs):
        # Sum of training loss, sum of training accuracy, no. of examples
        metric = [0.0, 0.0, 0]
        net.train()
        for i, (X, y) in enumerate(train_iter):
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric[0] += l * X.shape[0]
                metric[1] += accuracy(y_hat, y)
                metric[2] += X.shape[0]
        train_l = float(metric[0]) / metric[2]
        train_acc = metric[1] / metric[2]
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        print(f'loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}')
    return train_l, train_acc, test_acc


device = torch.device('cpu')
net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), BatchNorm(6, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), BatchNorm(16, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(16*4*4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
    nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
    nn.Linear(84, 10))
lr, num_epochs = 1.0, 2
scratch = train_ch6(net, train_iter, test_iter, num_epochs, lr, device)
scratch_gamma = net[1].gamma.reshape((-1,)).sum().item()
scratch_moving = net[1].moving_mean.sum().item() + net[5].moving_var.sum().item()

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))
concise = train_ch6(net, train_iter, test_iter, num_epochs, lr, device)
concise_gamma = net[1].weight.reshape((-1,)).sum().item()
concise_running = net[1].running_mean.sum().item() + net[5].running_var.sum().item()
print(net[1], net[1].num_batches_tracked)
print(len(net.state_dict()), [key for key in net.state_dict() if key.startswith('1.')])

# Layer normalization against batch normalization.
ln = nn.LayerNorm(2)
bn = nn.BatchNorm1d(2)
X = torch.tensor([[1, 2], [2, 3]], dtype=torch.float32)
# Compute mean and variance from X in the training mode
print('layer norm:', ln(X), '\nbatch norm:', bn(X))
norms = [ln(X).sum().item(), (ln(X) * X).sum().item(), (bn(X) * X).sum().item(),
         bn.running_var.sum().item()]


class AddNorm(nn.Module):
    """The residual connection followed by layer normalization."""
    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


add_norm = AddNorm([3, 4], 0.5)
add_norm.eval()
shape = add_norm(torch.ones((2, 3, 4)), torch.ones((2, 3, 4))).shape
X = (torch.arange(24).reshape(2, 3, 4) * 0.37).sin()
added = add_norm(X, X.flip(2)).pow(2).sum().item()

print("RESULT", *scratch, scratch_gamma, scratch_moving, *concise, concise_gamma,
      concise_running, *norms, *shape, added)
