"""Data: minibatch loading, seeded synthetic sets, CSV files and MNIST-format IDX files.

Synthetic sets, CSV and IDX readers return NumPy arrays (float32 features, int64 labels);
`DataLoader` yields stir tensors.

    loader.py        DataLoader: shuffled, seeded minibatches
    frames.py        data frames and Arrow tables as checked arrays of numbers
    synthetic.py     seeded toy sets (moons, circles, spirals, the seeds' curves)
    csv_table.py     reading a CSV file's cells in chunks (delimiter, encoding, quotes)
    csv_columns.py   one column's cells kept compactly, and its encoding (number, date,
                     one-hot category; the fill for a missing cell)
    csv_files.py     a file's columns to features and a target, split and standardized
    standardizer.py  the per-column scaling a trained model keeps
    idx.py           MNIST's IDX files;  digits.py: the small digits set

>>> import stir.data
>>> X, y = stir.data.moons(8, seed=0)
>>> [tuple(xb.size()) for xb, yb in stir.data.DataLoader(X, y, batch_size=4)]
[(4, 2), (4, 2)]
"""

from .csv_files import CSVDataset, CSVError, Standardizer, load_csv, read_features
from .digits import Digits, DigitsNotFoundError, load_digits
from .idx import MNIST, DatasetNotFoundError, IDXError, load_mnist, read_idx, write_idx
from .loader import DataLoader
from .synthetic import (
    INCOME_DEBT_BIAS, INCOME_DEBT_WEIGHT, blobs, circles, curious_curve, income_debt, moons,
    paraboloid, spirals, xor,
)

__all__ = [
    "blobs", "circles", "CSVDataset", "CSVError", "curious_curve", "DataLoader",
    "DatasetNotFoundError", "Digits", "DigitsNotFoundError", "IDXError", "INCOME_DEBT_BIAS",
    "INCOME_DEBT_WEIGHT", "income_debt", "load_csv", "load_digits", "load_mnist", "MNIST",
    "moons", "paraboloid", "read_features", "read_idx", "spirals", "Standardizer", "write_idx",
    "xor",
]
