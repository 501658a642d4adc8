"""`stir.sweep`: many settings of one training function tried at once, through any
`concurrent.futures.Executor`, with a table of the results and the best model kept.

    runner.py  sweep(): the trials submitted, gathered with a progress bar, ranked
    grid.py    the settings a grid (or a seeded random search) expands to; Uniform and
               LogUniform, the ranges a random search draws from
    table.py   the results table: ranking by a metric, and the CSV file

>>> import stir
>>> from stir.sweeps import expand
>>> expand({"lr": [0.1, 0.01], "hidden": [32]})
[{'lr': 0.1, 'hidden': 32}, {'lr': 0.01, 'hidden': 32}]
"""

from .grid import LogUniform, Uniform, expand
from .runner import sweep
from .table import write_csv

__all__ = ["expand", "LogUniform", "sweep", "Uniform", "write_csv"]
