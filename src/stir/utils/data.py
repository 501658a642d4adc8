"""`torch.utils.data` under stir's names: what `from torch.utils.data import DataLoader,
TensorDataset` finds. Each name lives in its family's file; this module gathers them.

>>> import stir
>>> from stir.utils.data import DataLoader, TensorDataset
>>> data = TensorDataset(stir.arange(6.0).reshape(3, 2), stir.tensor([0, 1, 0]))
>>> [[tuple(t.shape) for t in batch] for batch in DataLoader(data, batch_size=2)]
[[(2, 2), (2,)], [(1, 2), (1,)]]
"""

from ..data.loader import DataLoader
from .collate import default_collate, default_convert
from .datasets import (
    ChainDataset, ConcatDataset, Dataset, DatasetError, IterableDataset, Subset, TensorDataset,
    random_split,
)
from .samplers import (
    BatchSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler,
    SubsetRandomSampler, WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DatasetError",
    "default_collate", "default_convert", "DistributedSampler", "IterableDataset",
    "random_split", "RandomSampler",
    "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
    "WeightedRandomSampler",
]
