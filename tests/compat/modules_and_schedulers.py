# nn.Module containers (ModuleList, ModuleDict, ParameterList), Adam with a StepLR schedule,
# F.mse_loss, and a plain Python list of layers that PyTorch silently leaves untrained.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


def fixed(shape, salt):
    count = 1
    for size in shape:
        count *= size
    return (torch.arange(count) * salt).sin().reshape(shape) * 0.4


class Net(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
        self.heads = nn.ModuleDict({"mean": nn.Linear(sizes[-1], 1),
                                    "scale": nn.Linear(sizes[-1], 1)})
        self.gains = nn.ParameterList([nn.Parameter(torch.ones(n)) for n in sizes[1:]])
        self.act = nn.ReLU()

    def forward(self, x):
        for layer, gain in zip(self.layers, self.gains):
            x = self.act(layer(x)) * gain
        return self.heads["mean"](x) + 0.1 * self.heads["scale"](x)


class ListNet(nn.Module):
    """A list of layers that is not a ModuleList: PyTorch never sees these parameters."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.hidden = [nn.Linear(4, 4)]
        self.last = nn.Linear(4, 1)

    def forward(self, x):
        x = torch.tanh(self.first(x))
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.last(x)


def set_weights(model, salt):
    with torch.no_grad():
        for number, module in enumerate(model.modules()):
            if isinstance(module, nn.Linear):
                module.weight.copy_(fixed(module.weight.shape, salt + 0.1 * number))
                module.bias.fill_(0.05)


x = (torch.arange(48).reshape(16, 3) * 0.37).sin()
y = (x[:, :1] * 2 - x[:, 1:2] * x[:, 2:]).tanh()

model = Net([3, 8, 6])
set_weights(model, 0.7)
print(model)
print(len(model.layers), len(model.gains), list(model.heads.keys()))
print(sum(p.numel() for p in model.parameters()))
print([name for name, _ in model.named_parameters()])

optimizer = optim.Adam(model.parameters(), lr=0.01)
scheduler = StepLR(optimizer, step_size=20, gamma=0.5)
for epoch in range(60):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
lr_now = optimizer.param_groups[0]["lr"]
print(f"loss {loss.item():.4f}, lr {lr_now}, last lr {scheduler.get_last_lr()}")

list_net = ListNet()
set_weights(list_net, 0.3)
with torch.no_grad():
    list_net.hidden[0].weight.copy_(fixed((4, 4), 1.1))
    list_net.hidden[0].bias.zero_()
hidden_before = list_net.hidden[0].weight.sum().item()
sgd = optim.SGD(list_net.parameters(), lr=0.1)
for step in range(30):
    sgd.zero_grad()
    list_loss = F.mse_loss(list_net(x), y)
    list_loss.backward()
    sgd.step()
hidden_after = list_net.hidden[0].weight.sum().item()
count = len(list(list_net.parameters()))
print(f"parameters seen: {count}, hidden layer changed: {hidden_before != hidden_after}")
print("RESULT", loss.item(), lr_now, list_loss.item(), count, hidden_after - hidden_before,
      len(model.state_dict()))
