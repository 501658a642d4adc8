# "Learning PyTorch with Examples": control flow and weight sharing in forward, SGD momentum.
import math

import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.05))
        self.b = torch.nn.Parameter(torch.tensor(0.6))
        self.c = torch.nn.Parameter(torch.tensor(-0.02))
        self.d = torch.nn.Parameter(torch.tensor(-0.08))
        self.e = torch.nn.Parameter(torch.tensor(0.001))

    def forward(self, x, step):
        """The tutorial picks 4, 5 or 6 terms with random.randint; the step picks them here."""
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, 4 + step % 3):
            y = y + self.e * x ** exp
        return y


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(1500):
    y_pred = model(x, t)

    loss = criterion(y_pred, y)
    if t % 500 == 499:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print("RESULT", loss.item(), *[p.item() for p in model.parameters()])
