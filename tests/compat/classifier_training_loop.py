# The "Training a classifier" tutorial's loop, with a small MLP on synthetic images:
# CrossEntropyLoss, SGD with momentum, running_loss, and accuracy by torch.max(outputs.data, 1).
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

classes = ("plane", "car", "bird", "cat")


def make_set(n, salt):
    labels = torch.tensor([(5 * i + salt) % 4 for i in range(n)])
    prototypes = (torch.arange(4 * 3 * 4 * 4).reshape(4, 3, 4, 4) * 0.23).sin()
    noise = (torch.arange(n * 48).reshape(n, 3, 4, 4) * (0.017 + salt)).cos() * 0.9
    return TensorDataset(prototypes[labels] + noise, labels)


trainloader = DataLoader(make_set(240, 0), batch_size=16, shuffle=False)
testloader = DataLoader(make_set(80, 1), batch_size=16, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 4)

    def forward(self, x):
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
with torch.no_grad():
    for number, p in enumerate(net.parameters()):
        p.copy_((torch.arange(p.numel()) * (0.31 + 0.2 * number)).sin().view_as(p) * 0.25)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        if i % 5 == 4:
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 5:.3f}")
            last_running = running_loss / 5
            running_loss = 0.0

print("Finished Training")

correct = 0
total = 0
correct_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
        for label, prediction in zip(labels, predicted):
            if label == prediction:
                correct_pred[classes[label]] += 1

print(f"Accuracy of the network on the test images: {100 * correct // total} %")
for classname, correct_count in correct_pred.items():
    print(f"Accuracy for class: {classname:5s} is {correct_count} correct")
print("RESULT", last_running, loss.item(), correct / total, *correct_pred.values())
