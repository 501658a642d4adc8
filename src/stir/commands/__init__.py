"""The subcommands of `stir` beyond `demo`: `train`, `predict` and `eval` on CSV files."""


class UsageError(ValueError):
    """A bad command-line argument; the command exits with status 2."""
