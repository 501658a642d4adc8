"""`python -m stir` runs the `stir` command, as the console script does (see `_stir_entry`).

Python imports the package `stir`, and NumPy with it, before it runs this file: a Ctrl-C
during that import (a few hundred milliseconds) is still Python's KeyboardInterrupt
traceback. From this file's first line on, Ctrl-C prints one line and exits 130.
"""

import sys

try:
    from _stir_entry import main
except ImportError:  # the package copied without its entry module: Ctrl-C is Python's
    from .cli import main

sys.exit(main())
