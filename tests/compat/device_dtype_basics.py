# The first lines of many tutorials: a device, dtypes and their aliases, casts, shapes and
# the creation functions, checked by a checksum of everything they make.
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")
torch.manual_seed(0)

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data.dtype, x_data.shape, x_data.device)
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(x_rand.shape)

shape = (2, 3,)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(size=(2, 3))
print(ones_tensor.shape, zeros_tensor.size(), zeros_tensor.size(1))

tensor = torch.ones(4, 4, device=device)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
tensor = tensor.to(device)
tensor[:, 1] = 0

casts = [x_data.float(), x_data.double(), x_data.long(), x_data.int(), x_data.half(),
         x_data.bool().float(), x_data.type(torch.float64), x_data.to(torch.float32),
         x_data.to("cpu"), x_data.cpu(), torch.tensor(data, dtype=torch.long),
         torch.tensor(data, dtype=torch.int), torch.tensor(data, dtype=torch.double),
         torch.tensor(data, dtype=torch.uint8), torch.tensor(data, dtype=torch.float16)]
names = [str(c.dtype) for c in casts]
print(names)
checksum = sum(float(c.float().sum()) for c in casts)

made = [torch.arange(end=5), torch.arange(1, 4), torch.arange(0, 1, 0.25), torch.eye(3),
        torch.full((2, 2), 7.0), torch.zeros(3, dtype=torch.int64), torch.empty(2, 3).zero_(),
        torch.Tensor([1, 2]), torch.Tensor(2, 3).zero_(), torch.as_tensor([1.5, 2.5]),
        torch.linspace(0, 1, steps=5), torch.logspace(0, 2, steps=3),
        torch.ones(2, 2, dtype=torch.bool).float(), torch.zeros_like(tensor),
        torch.full_like(tensor, 2.0), torch.tensor(3.5)]
checksum += sum(float(m.sum()) for m in made)
print(torch.Tensor([1, 2]).dtype, torch.Tensor(2, 3).shape, torch.empty(2, 3).shape)
print(torch.is_tensor(tensor), torch.is_tensor([1]), tensor.nelement(), tensor.numel())
print(tensor.dim(), tensor.ndim, len(tensor), tensor.shape[0], x_data.tolist())

model = torch.nn.Linear(2, 1).to(device)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.5, -0.25]]))
    model.bias.zero_()
out = model(x_data.float().to(device))
sizes = [tensor.numel(), tensor.size(0), tensor.dim(), len(names),
         int(torch.Tensor([1, 2]).dtype == torch.float32),
         int(torch.tensor([1.0]).dtype == torch.float), int(x_data.dtype == torch.long),
         int(x_data.dtype == torch.int64), int(torch.get_default_dtype() == torch.float32),
         int(torch.is_tensor(tensor)), int(isinstance(tensor, torch.Tensor))]
print("RESULT", checksum, tensor.sum().item(), out.sum().item(), *sizes)
