"""The subcommands of `stir` beyond `demo`: `train`, `predict` and `eval` on CSV files, and
`playground`.

    train.py          stir train: a CSV file to a trained model file
    train_setup.py    what a run builds from its options: optimizer, loss, the network
    train_processes.py  stir train --processes N: the run under mpiexec, rank 0 writing
    train_sweep.py    stir train --sweep: settings tried in a process pool, the best kept
    column_summary.py the lines stir train prints about what it did to each column
    cross_validation.py  stir train --folds: the epoch count chosen by K-fold cross-validation
    interrupt.py      Ctrl-C during training, taken between two steps, with a checkpoint
    run_settings.py   a run's settings, kept in its checkpoints for stir train --resume
    predict.py        stir predict and stir eval: a model file applied to new rows
    trained_model.py  what a model file from stir train keeps to read new rows
    output_paths.py   the checks every command makes before it writes a file
    playground.py     stir playground: TF Playground on stir, served to a local page"""

#: The command's exit statuses (`_stir_entry`, which runs before stir is imported, repeats
#: the last): 130 = 128 + SIGINT, as shells report a Ctrl-C.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(ValueError):
    """A bad command-line argument; the command exits with status 2."""
