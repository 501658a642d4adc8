# "Learning PyTorch with Examples": the cubic fit with torch.optim (RMSprop, as there).
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[-0.3, 0.25, 0.1]]))
    model[0].bias.copy_(torch.tensor([0.2]))
loss_fn = torch.nn.MSELoss(reduction="sum")

learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(800):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 200 == 199:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print("RESULT", loss.item(), linear_layer.bias.item(), *linear_layer.weight[0].tolist())
