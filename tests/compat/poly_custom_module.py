# "Learning PyTorch with Examples": a custom nn.Module with four nn.Parameters and SGD.
import math

import torch


class Polynomial3(torch.nn.Module):
    def __init__(self):
        """Four parameters, a to d (fixed start values here instead of torch.randn(()))."""
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.15))
        self.b = torch.nn.Parameter(torch.tensor(0.8))
        self.c = torch.nn.Parameter(torch.tensor(-0.05))
        self.d = torch.nn.Parameter(torch.tensor(-0.09))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 "
                f"+ {self.d.item()} x^3")


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = Polynomial3()

criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(1500):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    if t % 500 == 99:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"Result: {model.string()}")
print("RESULT", loss.item(), model.a.item(), model.b.item(), model.c.item(), model.d.item())
