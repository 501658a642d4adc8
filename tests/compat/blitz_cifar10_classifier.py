# The 60-minute blitz, "Training a Classifier": Net with Conv2d(3, 6, 5), MaxPool2d(2, 2),
# Conv2d(6, 16, 5), torch.flatten(x, 1) and three Linear layers; CrossEntropyLoss, SGD with
# momentum 0.9, batches of 4, two epochs; torch.save of the state_dict, a fresh Net loading it,
# overall and per-class accuracy with torch.max(outputs, 1). Source: pytorch/tutorials,
# beginner_source/blitz/cifar10_tutorial.py. CIFAR10 is replaced by 3x32x32 images made from
# fixed arithmetic (normalised to [-1, 1] as the tutorial's transform does) and every parameter
# is set from fixed arithmetic after construction.
import math
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


def lcg(count, seed):
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


def make_images(n, seed):
    labels = torch.tensor([(i * 3 + i // 7 + seed) % 10 for i in range(n)])
    rows = torch.arange(32).view(1, 1, 32, 1).float()
    cols = torch.arange(32).view(1, 1, 1, 32).float()
    channel = torch.arange(3).view(1, 3, 1, 1).float()
    k = labels.view(-1, 1, 1, 1).float()
    pattern = ((rows * (0.1 + 0.05 * k) + cols * (0.2 - 0.015 * k) + channel * k).sin() + 1) / 2
    noise = torch.tensor(lcg(n * 3 * 32 * 32, seed)).view(n, 3, 32, 32)
    images = 0.6 * pattern + 0.4 * noise
    return (images - 0.5) / 0.5, labels


def set_weights(net, salt):
    with torch.no_grad():
        for number, p in enumerate(net.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            values = (torch.arange(p.numel()) * (0.61 + 0.07 * number) + salt).sin()
            p.copy_(values.view(p.shape) * (1.7 / math.sqrt(fan_in)))


batch_size = 4
trainset = TensorDataset(*make_images(200, 1))
trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=False)
testset = TensorDataset(*make_images(100, 2))
testloader = DataLoader(testset, batch_size=batch_size, shuffle=False)

dataiter = iter(trainloader)
images, labels = next(dataiter)
print(images.shape, ' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1) # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
set_weights(net, 0.3)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

epoch_losses = []
for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 25 == 24:    # print every 25 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 25:.3f}')
            epoch_losses.append(running_loss / 25)
            running_loss = 0.0

print('Finished Training')

PATH = os.path.join(tempfile.mkdtemp(), 'cifar_net.pth')
torch.save(net.state_dict(), PATH)

dataiter = iter(testloader)
images, labels = next(dataiter)
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

net = Net()
net.load_state_dict(torch.load(PATH))

outputs = net(images)
_, predicted = torch.max(outputs, 1)
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                              for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}

# again no gradients needed
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1

class_accuracy = []
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / total_pred[classname]
    class_accuracy.append(accuracy)
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')

with torch.no_grad():
    checksum = net(images).sum().item()
print("RESULT", *epoch_losses, correct / total, sum(class_accuracy), checksum,
      len(net.state_dict()))
