"""`stir.cuda`, as `torch.cuda`: whether a GPU can be used (CuPy installed and seeing one),
so that `device = "cuda" if stir.cuda.is_available() else "cpu"` works as in PyTorch.

>>> import stir
>>> stir.cuda.is_available() == (stir.cuda.device_count() > 0)
True
"""

from .devices import cuda_device_count as device_count
from .devices import cuda_is_available as is_available

__all__ = ["device_count", "is_available"]
