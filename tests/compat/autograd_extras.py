# Autograd beyond backward(): torch.autograd.grad with create_graph, inference_mode, a Function
# with two outputs, nn.Parameter from a tensor with history, torch.max's (values, indices),
# and the losses and functions a tutorial reaches for (BCE, SmoothL1, dropout, pad).
import torch
import torch.nn as nn
import torch.nn.functional as F

x = torch.linspace(-2, 2, 9, requires_grad=True)
y = (x ** 3 - 2 * x).sum()
(dy,) = torch.autograd.grad(y, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy.sum(), x)
print(dy, d2y)

with torch.inference_mode():
    z = x * 2
print(z.requires_grad)


class SinCos(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.sin(), input.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        input, = ctx.saved_tensors
        return grad_sin * input.cos() - grad_cos * input.sin()


t = torch.linspace(0, 1, 5, requires_grad=True)
s, c = SinCos.apply(t)
(s * 2 + c * c).sum().backward()
function_grad = t.grad.sum().item()

base = torch.arange(6.0).reshape(2, 3).requires_grad_()
weights = nn.Parameter(base * 0.1)  # a leaf, cut from base's history
print(weights.is_leaf, weights.requires_grad)

logits = torch.tensor([[0.2, 1.5, -0.3], [2.0, 0.1, 0.4], [-1.0, -0.5, 0.9]])
values, indices = torch.max(logits, 1)
_, pred = torch.max(logits, dim=1)
named = logits.max(dim=0)
print(named.values, named.indices, pred)

probs = torch.sigmoid(torch.linspace(-3, 3, 6))
targets = torch.tensor([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
bce = F.binary_cross_entropy(probs, targets) + nn.BCELoss()(probs, targets)
smooth = nn.SmoothL1Loss()(torch.linspace(-2, 2, 6), targets) + F.smooth_l1_loss(probs, targets)
dropped = F.dropout(logits, p=0.5, training=False).sum() + nn.Dropout(0.3).eval()(logits).sum()
padded = F.pad(logits, (1, 2))
padded2 = F.pad(logits, (0, 0, 1, 0), value=-1.0)
print(padded.shape, padded2.shape)

print("RESULT", y.item(), dy.sum().item(), d2y.sum().item(), float(z.requires_grad),
      function_grad, float(weights.is_leaf), weights.sum().item(), values.sum().item(),
      indices.sum().item(), pred.sum().item(), named.indices.sum().item(), bce.item(),
      smooth.item(), dropped.item(), padded.sum().item(), padded2.sum().item(),
      float(padded.shape[1]), float(padded2.shape[0]))
