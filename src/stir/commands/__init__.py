"""The subcommands of `stir` beyond `demo`: `train`, `predict` and `eval` on CSV files."""

#: The command's exit statuses (`_stir_entry`, which runs before stir is imported, repeats
#: the last): 130 = 128 + SIGINT, as shells report a Ctrl-C.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(ValueError):
    """A bad command-line argument; the command exits with status 2."""
