# Saving and loading, as in the tutorials: torch.save(model.state_dict(), PATH), then
# model.load_state_dict(torch.load(PATH)) into a fresh model, and a plain tensor saved too.
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class TheModelClass(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 12)
        self.fc2 = nn.Linear(12, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def fill(model, salt):
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            p.copy_((torch.arange(p.numel()) * (salt + number)).cos().view(p.shape) * 0.3)


x = (torch.arange(60).reshape(10, 6) * 0.3).sin()
y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])

model = TheModelClass()
fill(model, 0.9)
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(40):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

print("Model's state_dict:")
for param_tensor in model.state_dict():
    print(param_tensor, "\t", model.state_dict()[param_tensor].size())

folder = tempfile.mkdtemp()
PATH = os.path.join(folder, "model_weights.pth")
torch.save(model.state_dict(), PATH)

model2 = TheModelClass()
fill(model2, 0.2)
model2.load_state_dict(torch.load(PATH))
model2.eval()

with torch.no_grad():
    same = (model(x) - model2(x)).abs().max().item()
    out_sum = model2(x).sum().item()

tensor_path = os.path.join(folder, "tensor.pt")
torch.save(x * 2, tensor_path)
loaded = torch.load(tensor_path)
print(type(loaded).__name__, loaded.shape, loaded.dtype)
keys = list(model2.state_dict().keys())
print(keys)
print("RESULT", loss.item(), out_sum, same, loaded.sum().item(), len(keys))
