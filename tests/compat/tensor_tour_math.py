# A tour of tensor arithmetic and reductions, the way a tensors tutorial or a lecture's first
# notebook goes through them: every result is folded into the final checksum.
import torch

torch.manual_seed(0)
a = torch.arange(1, 13, dtype=torch.float32).reshape(3, 4) / 4
b = (torch.arange(12).reshape(3, 4) * 0.7).cos()
v = torch.linspace(-1, 1, 4)
results = {}

results["add"] = torch.add(a, b, alpha=2)
results["sub"] = torch.sub(a, b, alpha=0.5)
results["mul"] = a.mul(b)
results["div"] = torch.div(a, 2)
results["pow"] = torch.pow(a, 2) + a.pow(0.5) + torch.pow(2, v)
results["neg"] = torch.neg(b) + -b
results["exp_log"] = torch.log(a) + a.exp() + torch.log10(a) + torch.log2(a)
results["log1p_expm1"] = torch.log1p(a) + torch.expm1(b)
results["hyperbolic"] = torch.sinh(b) + torch.cosh(b) + torch.tanh(b)
results["rounding"] = torch.floor(a * 3) + torch.ceil(a * 3) + torch.round(a * 3) + b.sign()
results["floordiv_mod"] = (a * 7) // 2 + (a * 7) % 2 + torch.tensor([7, -7, 5, -5]) // 2
results["clamp"] = a.clamp(min=0.5, max=2.0) + b.clamp(min=torch.zeros(4))
results["max_elementwise"] = torch.max(a, b) + torch.min(a, b)
results["maximum"] = torch.maximum(a, b) - torch.minimum(a, b)
results["matmul"] = a @ b.T
results["mm"] = torch.mm(a, b.t())
results["mv"] = torch.mv(a, v)
results["dot"] = torch.dot(v, v)
results["outer"] = torch.outer(v, v)
results["bmm"] = torch.bmm(a.reshape(1, 3, 4), b.reshape(1, 4, 3))
results["einsum"] = torch.einsum("ij,kj->ik", a, b)
results["sum"] = a.sum() + a.sum(dim=0).sum() + a.sum(1, keepdim=True).sum()
results["mean"] = a.mean() + a.mean(dim=1).sum()
results["std_var"] = a.std() + a.var() + a.std(dim=0).sum() + a.var(1, correction=0).sum()
results["std_unbiased"] = a.std(unbiased=False) + torch.std(a, dim=1).sum()
results["norm"] = a.norm() + torch.norm(b) + v.norm(p=1)
results["prod"] = a.prod() + a.prod(dim=1).sum()
results["cumsum"] = a.cumsum(dim=1) + torch.cumsum(b, 0)
results["softmax"] = a.softmax(dim=1) + torch.softmax(b, dim=0) + a.log_softmax(1)
results["log_softmax"] = torch.log_softmax(b, dim=1)
results["argmax"] = torch.argmax(b, dim=1) + b.argmin(dim=0).sum() + torch.argmax(b)
results["max_dim"] = b.max(dim=1).values + torch.max(b, 0)[1].sum() + b.min(1).indices
results["amax"] = b.amax(dim=1) + b.amin(dim=0).sum()
results["logsumexp"] = torch.logsumexp(a, dim=1)
results["compare"] = (a.eq(b).float() + a.ne(b).float() + a.lt(1).float() + a.le(1).float()
                      + a.gt(b).float() + a.ge(b).float() + (a == 1).float())
results["allclose"] = torch.tensor([float(torch.allclose(a, a + 1e-9)),
                                    float(torch.equal(a, a.clone())),
                                    float(torch.isnan(torch.log(b)).sum()),
                                    float(torch.count_nonzero(b > 0)),
                                    float(torch.nonzero(b > 0).shape[0])])
results["histc"] = torch.histc(b, bins=4, min=-1, max=1)
results["abs"] = torch.abs(b) + b.abs().sqrt() + torch.sqrt(a)
results["sigmoid"] = torch.sigmoid(b) + b.relu() + torch.relu(b)
results["where"] = torch.where(b > 0, a, b)

checksum = 0.0
for name, value in results.items():
    checksum += value.double().sum().item()
    print(f"{name:16s} {value.double().sum().item(): .6f}")

loss = torch.tensor(0.123456)
print(f"{loss:.4f}", f"{loss.item():.4f}")
print("RESULT", checksum, len(results), results["std_var"].item(), results["histc"].sum().item())
