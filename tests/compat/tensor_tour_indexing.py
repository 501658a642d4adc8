# A tour of indexing: integers, slices, index lists, boolean masks, gather/scatter,
# index_select and masked_fill, and the mixed scalar/slice/array case with PyTorch's layout.
import torch

x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
m = torch.arange(12).reshape(3, 4)
results = []

results.append(x[0])
results.append(x[-1, 1])
results.append(x[:, 1:])
results.append(x[..., ::2])
results.append(x[:, None, 0])
results.append(x[1, :, 1:3])
results.append(x[:, [0, 2]])
results.append(x[[0, 1], [1, 2]])
results.append(x[0, :, [1, 0]])  # PyTorch puts the sliced dimension first here: shape (3, 2)
results.append(x[:, 1, [3, 0, 1]])
results.append(x[torch.tensor([1, 0, 1])])
results.append(x[x > 10])
results.append(x[x[:, :, 0] > 5])
results.append(m[m % 2 == 0])
results.append(m[torch.tensor([True, False, True])])
results.append(m[[2, 0]][:, [3, 1]])
results.append(torch.gather(m, 1, torch.tensor([[0, 0], [1, 0], [3, 2]])))
results.append(m.gather(0, torch.tensor([[2, 1, 0, 0]])))
results.append(torch.zeros(3, 4).scatter(1, torch.tensor([[0], [2], [1]]), 1.0))
results.append(torch.zeros(3, 4).scatter_(0, torch.tensor([[1, 2, 0, 1]]),
                                          torch.ones(1, 4) * 5))
results.append(torch.index_select(x, 2, torch.tensor([3, 1])))
results.append(x.index_select(0, torch.tensor([1])))
results.append(m.masked_fill(m > 6, -1))
results.append(x.masked_fill(x < 3, 0.5))
results.append(torch.where(m > 4, m, torch.zeros_like(m)))

y = x.clone()
y[0, 1] = -1
y[:, :, 0] = torch.tensor([7.0, 8.0, 9.0])
y[y > 20] = 0
y[1, [0, 2], 1:3] = 100
results.append(y)

one_hot = torch.zeros(5, 4)
one_hot[range(5), torch.tensor([0, 3, 1, 1, 2])] = 1
results.append(one_hot)

shapes = [list(r.shape) for r in results]
checksum = sum(r.double().sum().item() for r in results)
weighted = sum((i + 1) * r.double().flatten()[-1].item() for i, r in enumerate(results)
               if r.numel() > 0)
layout = x[0, :, [1, 0]].flatten().tolist()
print(shapes)
print(layout)
print("RESULT", checksum, weighted, sum(sum(s) * (i + 1) for i, s in enumerate(shapes)),
      *layout)
