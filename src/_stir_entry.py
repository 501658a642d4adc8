"""The `stir` console script's entry point: Ctrl-C at any moment prints one line, exits 130.

Outside the `stir` package on purpose: importing anything inside it runs `stir/__init__`,
which imports NumPy (a few hundred milliseconds), and a library must not change signal
handlers when a notebook imports it. So this module, imported first by the script,

1. replaces Python's SIGINT handler (which raises KeyboardInterrupt, printing a traceback
   from wherever start-up was) by a quiet one that writes "stir: interrupted" and exits 130
   at once (nothing has been written yet), as its very first action;
2. imports `stir.cli` and parses the command line under that handler;
3. gives SIGINT back to Python just before the command runs, so the command's own Ctrl-C
   handling works (`stir train` says where its last complete checkpoint is);
4. ignores SIGINT once the command has returned, so the interpreter's shutdown never
   prints a traceback.

A SIGINT that the process inherited as ignored (`nohup`, `cmd &` in a script) stays ignored.
What remains: a Ctrl-C during Python's own start-up, before the script imports this module
(site's .pth files, some tens of milliseconds), gets Python's usual response.
"""

import os

import _signal  # the C half of `signal`, built in and loaded: the handler is set at once

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def _quit_quietly(signum: int, frame: object) -> None:
    os.write(2, b"stir: interrupted\n")  # unbuffered: safe wherever the signal lands
    os._exit(EXIT_INTERRUPTED)


_INHERITED = _signal.getsignal(_signal.SIGINT) or _signal.SIG_DFL  # None: set outside Python
if _INHERITED != _signal.SIG_IGN:
    _signal.signal(_signal.SIGINT, _quit_quietly)  # installed: start-up is quiet from here


def main() -> int:
    """Parse the command line and run the command; returns the exit status."""
    try:
        from stir import cli

        arguments = cli.parse_arguments()
        if _INHERITED != _signal.SIG_IGN:
            _signal.signal(_signal.SIGINT, _INHERITED)
        status = cli.run(arguments)
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # in the try: a Ctrl-C just before
    except KeyboardInterrupt:                             # it lands in the handler below
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        os.write(2, b"stir: interrupted\n")
        return EXIT_INTERRUPTED
    except SystemExit:  # argparse's --help or usage error: it has said what it had to
        _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
        raise
    return status


if __name__ == "__main__":
    raise SystemExit(main())
