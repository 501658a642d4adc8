# The examples in PyTorch's own reference pages for the layers a CNN or RNN lesson uses:
# nn.Conv1d, nn.Conv2d (tuple kernel, stride, padding, dilation; padding='same' and groups),
# nn.ConvTranspose2d (with output_size), nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d
# (with None), nn.BatchNorm1d / nn.BatchNorm2d (affine=False), nn.LayerNorm (NLP and image
# examples), nn.GroupNorm, nn.Embedding (padding_idx, from_pretrained, F.embedding),
# nn.Dropout2d, nn.Unflatten, F.pad, nn.Upsample / F.interpolate, nn.RNN / nn.LSTM / nn.GRU
# (two layers; bidirectional and batch_first). Source: the docstrings of pytorch/pytorch
# torch/nn/modules/{conv,pooling,batchnorm,normalization,sparse,dropout,flatten,upsampling,
# rnn}.py and torch/nn/functional.py (pad). torch.randn is replaced by fixed arithmetic,
# batches of 20 by batches of 2, and every parameter is set from fixed arithmetic.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

results = []


def fixed(*shape, salt=0.0):
    steps = torch.arange(math.prod(shape))
    return ((steps * 0.6180 + salt).sin() + (steps * 0.0917 + 2 * salt).cos()).view(shape)


def set_weights(module, salt=0.0):
    with torch.no_grad():
        for number, p in enumerate(module.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(fixed(*p.shape, salt=salt + number) / math.sqrt(fan_in))
    return module


def record(name, module, input, **kwargs):
    """Run the module on a leaf input; keep sums of the output and of two gradients."""
    input = input.clone().requires_grad_()
    output = module(input, **kwargs)
    weights = fixed(*output.shape, salt=0.5)
    (output * weights).sum().backward()
    params = list(module.parameters()) if isinstance(module, nn.Module) else []
    weight_grad = params[0].grad.abs().sum().item() if params else 0.0
    results.extend([output.sum().item(), (output * weights).sum().item(),
                    input.grad.abs().sum().item(), weight_grad])
    print(name, tuple(output.shape))
    return output


# Conv1d
m = set_weights(nn.Conv1d(16, 33, 3, stride=2))
output = record("Conv1d", m, fixed(2, 16, 50))

# Conv2d
# With square kernels and equal stride
m = nn.Conv2d(16, 33, 3, stride=2)
# non-square kernels and unequal stride and with padding
m = nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
# non-square kernels and unequal stride and with padding and dilation
m = set_weights(nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1)))
input = fixed(2, 16, 25, 30)
output = record("Conv2d", m, input)
m = set_weights(nn.Conv2d(16, 32, 3, padding='same', groups=4), salt=1.0)
output = record("Conv2d same groups", m, input)
m = set_weights(nn.Conv1d(16, 8, 2, padding='same', dilation=4, bias=False), salt=2.0)
output = record("Conv1d same dilated", m, fixed(2, 16, 50))

# ConvTranspose2d
# With square kernels and equal stride
m = nn.ConvTranspose2d(16, 33, 3, stride=2)
# non-square kernels and unequal stride and with padding
m = set_weights(nn.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2)))
input = fixed(2, 16, 12, 20)
output = record("ConvTranspose2d", m, input)
# exact output size can be also specified as an argument
input = fixed(1, 16, 12, 12)
downsample = set_weights(nn.Conv2d(16, 16, 3, stride=2, padding=1), salt=3.0)
upsample = set_weights(nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1), salt=4.0)
h = downsample(input)
print(h.size())
output = upsample(h, output_size=input.size())
print(output.size())
results.extend([*output.size(), output.sum().item()])

# MaxPool2d
# pool of square window of size=3, stride=2
m = nn.MaxPool2d(3, stride=2)
# pool of non-square window
m = nn.MaxPool2d((3, 2), stride=(2, 1))
input = fixed(2, 16, 50, 32)
output = record("MaxPool2d", m, input)
output = record("MaxPool2d padded", nn.MaxPool2d(3, stride=2, padding=1), input)
# Among equal values the gradient goes to the first one in the window.
ties = torch.ones(1, 2, 5, 6, requires_grad=True)
F.max_pool2d(ties, 3, stride=2, padding=1).sum().backward()
results.append((ties.grad * torch.arange(60.0).view(1, 2, 5, 6)).sum().item())

# AvgPool2d
m = nn.AvgPool2d(3, stride=2)
m = nn.AvgPool2d((3, 2), stride=(2, 1))
output = record("AvgPool2d", m, input)
output = record("AvgPool2d padded", nn.AvgPool2d(3, stride=2, padding=1), input)

# AdaptiveAvgPool2d
# target output size of 5x7
m = nn.AdaptiveAvgPool2d((5, 7))
output = record("AdaptiveAvgPool2d", m, fixed(1, 64, 8, 9))
# target output size of 7x7 (square)
m = nn.AdaptiveAvgPool2d(7)
output = record("AdaptiveAvgPool2d square", m, fixed(1, 64, 10, 9))
# target output size of 10x7
m = nn.AdaptiveAvgPool2d((None, 7))
output = record("AdaptiveAvgPool2d None", m, fixed(1, 64, 10, 9))

# BatchNorm1d
# With Learnable Parameters
m = nn.BatchNorm1d(100)
# Without Learnable Parameters
m = nn.BatchNorm1d(100, affine=False)
output = record("BatchNorm1d", m, fixed(20, 100) * 3 + 1)
results.extend([m.running_mean.sum().item(), m.running_var.sum().item()])

# BatchNorm2d
m = set_weights(nn.BatchNorm2d(100))
output = record("BatchNorm2d", m, fixed(2, 100, 7, 9))
m.eval()
with torch.no_grad():
    results.append(m(fixed(2, 100, 7, 9, salt=1.0)).sum().item())
m = nn.BatchNorm2d(100, affine=False)
output = record("BatchNorm2d affine=False", m, fixed(2, 100, 7, 9))
m = nn.BatchNorm2d(100, momentum=None, track_running_stats=True)
for salt in range(3):
    m(fixed(2, 100, 7, 9, salt=salt))
results.extend([m.running_mean.sum().item(), m.running_var.sum().item(),
                m.num_batches_tracked.item()])

# LayerNorm
# NLP Example
batch, sentence_length, embedding_dim = 20, 5, 10
embedding = fixed(batch, sentence_length, embedding_dim)
layer_norm = set_weights(nn.LayerNorm(embedding_dim))
# Activate module
output = record("LayerNorm NLP", layer_norm, embedding)
# Image Example
N, C, H, W = 20, 5, 10, 10
input = fixed(N, C, H, W)
# Normalize over the last three dimensions (i.e. the channel and spatial dimensions)
# as shown in the image below
layer_norm = set_weights(nn.LayerNorm([C, H, W]), salt=1.0)
output = record("LayerNorm image", layer_norm, input)
output = record("layer_norm F", lambda x: F.layer_norm(x, (H, W), eps=1e-3), input)

# GroupNorm
input = fixed(20, 6, 10, 10)
# Separate 6 channels into 3 groups
m = set_weights(nn.GroupNorm(3, 6))
output = record("GroupNorm 3", m, input)
# Separate 6 channels into 6 groups (equivalent with InstanceNorm)
m = nn.GroupNorm(6, 6)
output = record("GroupNorm 6", m, input)
# Put all 6 channels into a single group (equivalent with LayerNorm)
m = nn.GroupNorm(1, 6)
output = record("GroupNorm 1", m, input)

# Embedding
# an Embedding module containing 10 tensors of size 3
embedding = set_weights(nn.Embedding(10, 3))
# a batch of 2 samples of 4 indices each
input = torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 9]])
output = embedding(input)
output.pow(2).sum().backward()
results.extend([output.sum().item(), embedding.weight.grad.sum().item(),
                embedding.weight.grad[2].sum().item()])
# example with padding_idx
embedding = nn.Embedding(10, 3, padding_idx=0)
input = torch.LongTensor([[0, 2, 0, 5]])
output = embedding(input)
results.append(output[0, 0].abs().sum().item())
set_weights(embedding)
output = embedding(input)
output.sum().backward()
results.extend([output.sum().item(), embedding.weight.grad[0].abs().sum().item()])
# example of changing `pad` vector
padding_idx = 0
embedding = nn.Embedding(3, 3, padding_idx=padding_idx)
with torch.no_grad():
    embedding.weight[padding_idx] = torch.ones(3)
results.append(embedding.weight[padding_idx].sum().item())
# FloatTensor containing pretrained weights
weight = torch.FloatTensor([[1, 2.3, 3], [4, 5.1, 6.3]])
embedding = nn.Embedding.from_pretrained(weight)
# Get embeddings for index 1
input = torch.LongTensor([1])
results.append(embedding(input).sum().item())
# a batch of 2 samples of 4 indices each
input = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
# an embedding matrix containing 10 tensors of size 3
embedding_matrix = fixed(10, 3)
results.append(F.embedding(input, embedding_matrix).sum().item())

# Dropout2d: whole channels are zeroed, the others scaled by 1 / (1 - p)
m = nn.Dropout2d(p=0.2)
input = torch.ones(20, 16, 8, 8)
output = m(input)
planes = output.view(20 * 16, 64)
whole = ((planes == 0).all(dim=1) | (planes == 1.25).all(dim=1)).float().mean()
m.eval()
results.extend([whole.item(), m(input).sum().item()])

# Unflatten
input = fixed(2, 50)
m = nn.Sequential(
    nn.Linear(50, 50),
    nn.Unflatten(1, (2, 5, 5))
)
set_weights(m)
output = record("Unflatten", m, input)
results.extend(output.size())

# F.pad
t4d = torch.empty(3, 3, 4, 2)
p1d = (1, 1) # pad last dim by 1 on each side
out = F.pad(t4d, p1d, "constant", 0)  # effectively zero padding
results.extend(out.size())
p2d = (1, 1, 2, 2) # pad last dim by (1, 1) and 2nd to last by (2, 2)
out = F.pad(t4d, p2d, "constant", 0)
results.extend(out.size())
t4d = torch.empty(3, 3, 4, 2)
p3d = (0, 1, 2, 1, 3, 3) # pad by (0, 1), (2, 1), and (3, 3)
out = F.pad(t4d, p3d, "constant", 0)
results.extend(out.size())
output = record("pad", lambda x: F.pad(x, (1, 2, 0, 3), value=0.5), fixed(2, 3, 4, 5))

# Upsample
input = torch.arange(1, 5, dtype=torch.float32).view(1, 1, 2, 2)
m = nn.Upsample(scale_factor=2, mode='nearest')
output = record("Upsample nearest", m, input)
m = nn.Upsample(scale_factor=2, mode='bilinear')  # align_corners=False
output = record("Upsample bilinear", m, input)
m = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)
output = record("Upsample bilinear aligned", m, input)
# Try scaling the same data in a larger tensor
input_3x3 = torch.zeros(3, 3).view(1, 1, 3, 3)
input_3x3[:, :, :2, :2].copy_(input)
m = nn.Upsample(scale_factor=2, mode='bilinear')  # align_corners=False
# Notice that values in top left corner are the same with the small input (except at boundary)
output = record("Upsample 3x3", m, input_3x3)
output = record("interpolate size", lambda x: F.interpolate(x, size=(5, 7), mode="bilinear"),
                fixed(2, 3, 4, 6))
output = record("interpolate nearest", lambda x: F.interpolate(x, size=(9, 4)),
                fixed(2, 3, 4, 6))

# RNN
rnn = set_weights(nn.RNN(10, 20, 2))
input = fixed(5, 3, 10)
h0 = fixed(2, 3, 20, salt=1.0)
output, hn = rnn(input, h0)
results.extend([output.sum().item(), hn.sum().item()])
(output.sum() + hn.pow(2).sum()).backward()
results.append(rnn.weight_hh_l1.grad.abs().sum().item())

# LSTM
rnn = set_weights(nn.LSTM(10, 20, 2), salt=1.0)
input = fixed(5, 3, 10)
h0 = fixed(2, 3, 20, salt=1.0)
c0 = fixed(2, 3, 20, salt=2.0)
output, (hn, cn) = rnn(input, (h0, c0))
results.extend([output.sum().item(), hn.sum().item(), cn.sum().item()])
(output.sum() + cn.pow(2).sum()).backward()
results.append(rnn.weight_ih_l0.grad.abs().sum().item())

# GRU
rnn = set_weights(nn.GRU(10, 20, 2), salt=2.0)
input = fixed(5, 3, 10)
h0 = fixed(2, 3, 20, salt=1.0)
output, hn = rnn(input, h0)
results.extend([output.sum().item(), hn.sum().item()])

# bidirectional, batch_first
rnn = set_weights(nn.GRU(10, 20, 2, batch_first=True, bidirectional=True), salt=3.0)
input = fixed(3, 5, 10)
output, hn = rnn(input)
print(output.shape, hn.shape, [name for name, _ in rnn.named_parameters()][-4:])
(output[:, -1, :20].sum() + output[:, 0, 20:].sum()).backward()
results.extend([output.sum().item(), hn.sum().item(), rnn.weight_hh_l1_reverse.grad.sum().item()])
rnn = set_weights(nn.LSTM(10, 20, batch_first=True, bidirectional=True), salt=4.0)
output, (hn, cn) = rnn(input)
results.extend([*output.shape, *hn.shape, output.sum().item(), (hn - cn).sum().item()])

print("RESULT", *results)
