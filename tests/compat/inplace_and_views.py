# In-place methods and views under autograd: add_/mul_/clamp_/..., ReLU by indexing on a
# non-leaf (h[h < 0] = 0), out += bias inside a forward pass, views that share storage, and
# the version counter's error when a saved tensor is changed.
import torch

w = torch.tensor([[0.5, -1.0, 0.25], [1.5, -0.5, 2.0]], requires_grad=True)
x = torch.linspace(-1, 1, 12).reshape(4, 3)
bias = torch.tensor([0.1, -0.2])

h = x @ w.t()
h[h < 0] = 0  # PyTorch allows this in-place change of a non-leaf and differentiates it
out = h * 2
out += bias
loss = out.pow(2).mean()
loss.backward()
relu_grad = w.grad.clone()

t = torch.zeros(2, 3)
t.add_(1).mul_(3).sub_(0.5).div_(2)
t.add_(torch.ones(3), alpha=2)
t.clamp_(max=3.0)
s = t.sum().item()
t.fill_(2.5)
t.zero_()
t.copy_(torch.arange(6).reshape(2, 3))
t.normal_()  # random; overwritten before anything reads it
t.uniform_(0, 1)
t.fill_(1.0)
t.clamp_(min=0.0, max=0.75)

base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
row = base[1]
row.add_(100)  # a view: the change reaches base
column = base[:, 2]
column.mul_(-1)
first = base[0, 0]
first.fill_(42)
flat = base.view(-1)
flat[3] = -3
transposed = base.t()
transposed[0, 2] = 7

caught = 0.0
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.exp()
b.add_(1)  # exp saved its output for backward; PyTorch notices the change
try:
    b.sum().backward()
except RuntimeError as error:
    caught = 1.0
    print("RuntimeError:", str(error).splitlines()[0][:60])

leaf_error = 0.0
try:
    w.add_(1)
except RuntimeError:
    leaf_error = 1.0
with torch.no_grad():
    w.mul_(0.5)
    w.grad.zero_()

print(relu_grad, base)
print("RESULT", loss.item(), relu_grad.sum().item(), relu_grad.abs().sum().item(), s,
      t.sum().item(), base.sum().item(), base[1, 2].item(), base[0, 3].item(), caught,
      leaf_error, w.sum().item(), w.grad.abs().sum().item())
