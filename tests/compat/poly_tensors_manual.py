# "Learning PyTorch with Examples": fit y = sin(x) by a cubic, gradients by hand.
import math

import torch

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# The tutorial draws these with torch.randn; fixed values keep both libraries in step.
a = torch.tensor(0.31, device=device, dtype=dtype)
b = torch.tensor(-0.52, device=device, dtype=dtype)
c = torch.tensor(0.12, device=device, dtype=dtype)
d = torch.tensor(0.07, device=device, dtype=dtype)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum().item()
    if t % 500 == 499:
        print(t, loss)

    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
print("RESULT", loss, a.item(), b.item(), c.item(), d.item())
