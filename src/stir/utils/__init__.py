"""PyTorch's `torch.utils`, as far as stir has it.

    data.py      `torch.utils.data`: Dataset, TensorDataset, random_split, DataLoader, ...
    datasets.py  the dataset classes and random_split
    samplers.py  the orders a DataLoader visits a dataset in, and BatchSampler
    collate.py   default_collate: many samples made one batch

(The DataLoader itself lives in stir/data/loader.py: one class for PyTorch's datasets and
stir's arrays.)
"""


def __getattr__(name: str) -> object:
    """`stir.utils.data` after `import stir`, as in PyTorch, imported on first use (not at
    once: stir/data/loader.py imports datasets.py and samplers.py from this package)."""
    import importlib

    if name == "data":
        return importlib.import_module(f"{__name__}.data")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
