# The concise MLP, d2l.ai style: nn.Sequential(nn.Flatten(), nn.Linear, nn.ReLU, nn.Linear),
# net.apply(init_weights), a Dataset subclass, and a random_split whose order must not matter.
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, random_split


class Images(Dataset):
    """A small synthetic image set: __len__ and __getitem__ as in the tutorials."""

    def __init__(self, n, offset):
        self.labels = torch.tensor([(3 * i + offset) % 10 for i in range(n)])
        prototypes = (torch.arange(10 * 49).reshape(10, 1, 7, 7) * 0.29).cos()
        jitter = (torch.arange(n * 49).reshape(n, 1, 7, 7) * (0.011 + offset)).sin() * 0.8
        self.images = prototypes[self.labels] + jitter

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx], self.labels[idx]


net = nn.Sequential(nn.Flatten(),
                    nn.Linear(49, 32),
                    nn.ReLU(),
                    nn.Linear(32, 10))


def init_weights(m):
    """d2l uses nn.init.normal_(m.weight, std=0.01); fixed values instead."""
    if type(m) == nn.Linear:
        with torch.no_grad():
            m.weight.copy_((torch.arange(m.weight.numel()) * 0.41).sin().reshape(m.weight.shape))
            m.weight.mul_(0.1)
            m.bias.zero_()


net.apply(init_weights)
print(net)

batch_size, lr, num_epochs = 50, 0.1, 4
loss = nn.CrossEntropyLoss()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train_iter = DataLoader(Images(400, 0), batch_size=batch_size, shuffle=False)

for epoch in range(num_epochs):
    net.train()
    for X, y in train_iter:
        l = loss(net(X), y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    print(f"epoch {epoch + 1}: last batch loss {l.item():.4f}")

# A random split differs between libraries, but summed losses over the two halves do not.
held_out = Images(150, 1)
first, second = random_split(held_out, [100, 50], generator=torch.Generator().manual_seed(42))
print(len(first), len(second))
net.eval()
summed_loss = 0.0
correct = 0
with torch.no_grad():
    for part in (first, second):
        for X, y in DataLoader(part, batch_size=32):
            summed_loss += nn.functional.cross_entropy(net(X), y, reduction="sum").item()
            correct += (net(X).argmax(1) == y).sum().item()
covered = sorted(list(first.indices) + list(second.indices)) == list(range(150))
print("RESULT", l.item(), summed_loss / 150, correct / 150, float(covered))
