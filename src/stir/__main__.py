"""`python -m stir` runs the `stir` command."""

import sys

from .cli import main

sys.exit(main())
