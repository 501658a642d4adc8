# The PyTorch Quickstart: NeuralNetwork with nn.Flatten and nn.Sequential, train() and test()
# loops over DataLoaders, model.to(device), and saving the weights.
import os
import tempfile

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_set(n, salt):
    labels = torch.tensor([(7 * i + salt) % 5 for i in range(n)])
    prototypes = (torch.arange(5 * 36).reshape(5, 6, 6) * 0.19).cos()
    noise = (torch.arange(n * 36).reshape(n, 6, 6) * (0.013 + salt)).sin() * 0.7
    return TensorDataset(prototypes[labels] + noise, labels)


batch_size = 32
train_dataloader = DataLoader(make_set(320, 0), batch_size=batch_size)
test_dataloader = DataLoader(make_set(96, 1), batch_size=batch_size)

for X, y in test_dataloader:
    print(f"Shape of X [N, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(6 * 6, 24),
            nn.ReLU(),
            nn.Linear(24, 24),
            nn.ReLU(),
            nn.Linear(24, 5)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
with torch.no_grad():
    for number, (name, p) in enumerate(model.named_parameters()):
        p.copy_((torch.arange(p.numel()) * (0.43 + 0.1 * number)).cos().reshape(p.shape) * 0.3)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        pred = model(X)
        loss = loss_fn(pred, y)

        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 5 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return test_loss, correct


epochs = 4
for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test_loss, correct = test(test_dataloader, model, loss_fn)
print("Done!")

path = os.path.join(tempfile.mkdtemp(), "model.pth")
torch.save(model.state_dict(), path)
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load(path, weights_only=True))
model.eval()
x, y = test_dataloader.dataset[0][0], test_dataloader.dataset[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x.unsqueeze(0))
    predicted, actual = pred[0].argmax(0), y
print(f'Predicted: "{predicted}", Actual: "{actual}"')
print("RESULT", test_loss, correct, predicted.item(), actual.item(), pred.sum().item())
