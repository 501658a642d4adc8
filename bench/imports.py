"""How long `import LIBRARY` takes in a fresh interpreter.

Each import runs in its own `python -c` process (a module imports once per process), timed
inside the child with `time.perf_counter` around the import statement alone, so the
interpreter's own start-up is left out. The libraries take turns, round after round, and the
median over rounds is reported; warm-up rounds (cold file cache) are discarded.

stir's modules are byte-compiled first, as `pip install` does for an installed package and
Python does on a first import. An editable install on a machine that sets
PYTHONDONTWRITEBYTECODE=1 (as this one does) would otherwise recompile every module from
source at each import, while NumPy's were compiled when it was installed.
"""

from __future__ import annotations

import compileall
import importlib.util
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from .source import REPO_ROOT, child_env

LIBRARIES = ("numpy", "stir", "torch", "jax", "sklearn")
CHILD = ("import time; start = time.perf_counter(); import {module}; "
         "print(time.perf_counter() - start)")


@dataclass(frozen=True)
class ImportTimes:
    """Seconds per `import` of each library, one entry per round."""

    seconds: dict[str, list[float]]
    missing: tuple[str, ...]  # libraries not installed

    def median(self, module: str) -> float:
        return statistics.median(self.seconds[module])

    def ratio(self, module: str, reference: str = "numpy") -> float:
        """Median import time of `module` over that of `reference`."""
        return self.median(module) / self.median(reference)


def time_import(module: str) -> float:
    """Seconds to `import module` in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD.format(module=module)],
        capture_output=True, text=True, check=False, timeout=120, env=child_env(),
        cwd=REPO_ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import {module} failed in a fresh interpreter:\n"
                           f"{completed.stderr.strip()}")
    return float(completed.stdout.split()[-1])


def measure_imports(rounds: int, warmup_rounds: int = 1,
                    libraries: tuple[str, ...] = LIBRARIES, pause_seconds: float = 0.05
                    ) -> ImportTimes:
    """`rounds` timed imports of each installed library, interleaved, after `warmup_rounds`
    untimed ones (the first import after a while reads the files from disk)."""
    installed = [name for name in libraries if importlib.util.find_spec(name) is not None]
    if "stir" in installed:
        byte_compile_stir()
    missing = tuple(name for name in libraries if name not in installed)
    seconds: dict[str, list[float]] = {name: [] for name in installed}
    for round_index in range(warmup_rounds + rounds):
        for module in installed:
            time.sleep(pause_seconds)
            elapsed = time_import(module)
            if round_index >= warmup_rounds:
                seconds[module].append(elapsed)
    return ImportTimes(seconds, missing)


def byte_compile_stir() -> None:
    """Write the .pyc files of stir's modules, if they are missing or stale."""
    spec = importlib.util.find_spec("stir")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)
