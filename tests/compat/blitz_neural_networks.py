# The 60-minute blitz, "Neural Networks": LeNet with F.max_pool2d(F.relu(self.conv1(x)), (2, 2)),
# num_flat_features, print(net), list(net.parameters()), out.backward with a given gradient,
# conv1.bias.grad before and after, nn.MSELoss, grad_fn, the manual update
# f.data.sub_(f.grad.data * learning_rate) and optim.SGD. Source: pytorch/tutorials,
# beginner_source/blitz/neural_networks_tutorial.py. torch.randn is replaced by fixed
# arithmetic, and every parameter is set from fixed arithmetic after construction.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


def fixed(*shape, salt=0.0):
    count = math.prod(shape)
    steps = torch.arange(count)
    return ((steps * 0.7071 + salt).sin() * (steps * 0.13).cos()).view(shape)


net = Net()
with torch.no_grad():
    for number, p in enumerate(net.parameters()):
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        p.copy_(fixed(*p.shape, salt=number) * (2.5 / math.sqrt(fan_in)))
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

input = fixed(1, 1, 32, 32, salt=0.4)
out = net(input)
print(out)
first_out = out.sum().item()

net.zero_grad()
out.backward(fixed(1, 10, salt=2.0))
backward_grad = net.conv1.weight.grad.abs().sum().item()

output = net(input)
target = fixed(10, salt=3.0)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)
print(loss.grad_fn is not None)

net.zero_grad()     # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
grad = net.conv1.bias.grad
bias_grad_before = 0.0 if grad is None else grad.abs().sum().item()

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
bias_grad_after = net.conv1.bias.grad.sum().item()

learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
manual_loss = criterion(net(input), target).item()

import torch.optim as optim

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
batch = torch.cat([input, fixed(3, 1, 32, 32, salt=1.1)])
targets = fixed(4, 10, salt=0.8)
losses = []
for step in range(20):
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(batch)
    loss = criterion(output, targets)
    loss.backward()
    optimizer.step()    # Does the update
    losses.append(loss.item())

print("RESULT", len(params), first_out, backward_grad, bias_grad_before, bias_grad_after,
      manual_loss, losses[0], losses[-1], net.conv2.weight.sum().item())
