# A tour of shape operations: views, cat/stack with dim=, repeat/expand, chunk/split/unbind,
# sort/topk/flip, and printing torch.Size.
import torch

x = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
print(x.shape, x.size(), x.shape == (2, 3, 4), list(x.shape))
results = []

results.append(x.view(6, 4))
results.append(x.view(-1))
results.append(x.reshape(4, -1))
results.append(x.transpose(0, 2).contiguous().view(4, 6))
results.append(x.permute(2, 0, 1))
results.append(x[0].t())
results.append(x.unsqueeze(0).squeeze())
results.append(x.flatten())
results.append(torch.flatten(x, start_dim=1))
results.append(x.flatten(0, 1))
results.append(torch.cat([x, x], dim=1))
results.append(torch.cat((x, x * 2), 0))
results.append(torch.cat((x, x), dim=-1))
results.append(torch.stack([x, x], dim=0))
results.append(torch.stack((x[0], x[1]), dim=2))
results.append(x[0].repeat(2, 1))
results.append(x[:, :1].expand(2, 3, 4))
results.append(x[0, 0].expand_as(x[0]))
results.append(torch.tensor([1.0, 2.0]).expand(3, 2))
results.extend(x.chunk(2, dim=2))
results.extend(torch.chunk(x, 3, dim=1))
results.extend(x.split(1, dim=0))
results.extend(torch.split(x, [1, 3], dim=2))
results.extend(x.unbind(1))
results.extend(torch.unbind(x, dim=0))
values, indices = torch.sort((x * 1.3).sin(), dim=-1)
results += [values, indices.float()]
values, indices = (x * 0.7).cos().sort(descending=True)
results += [values, indices.float()]
top = torch.topk((x * 0.9).sin().flatten(), 5)
results += [top.values, top.indices.float()]
values, indices = (x * 0.9).sin().topk(2, dim=1)
results += [values, indices.float()]
results.append(torch.flip(x, dims=[0, 2]))
results.append(x.flip(1))
results.append(x.squeeze(0) if x.shape[0] == 1 else x.unsqueeze(1).squeeze(1))
results.append(torch.zeros(2, 1, 3).squeeze(1))
results.append(x.transpose(-2, -1))
mesh_i, mesh_j = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")
results += [mesh_i.float(), mesh_j.float()]

shapes = [list(r.shape) for r in results]
checksum = sum(r.double().sum().item() for r in results)
weighted = sum((i + 1) * r.double().flatten()[0].item() for i, r in enumerate(results)
               if r.numel() > 0)
print(shapes)
print(torch.Size([2, 3]), x.shape[1:], x.size()[-1])
print("RESULT", checksum, weighted, len(results), sum(len(s) for s in shapes),
      sum(sum(s) for s in shapes))
