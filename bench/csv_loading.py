"""`python -m bench.csv_loading [--rows N] [--runs K] [--out PATH]`: how fast stir reads a
large CSV file, and in how much memory, beside `pandas.read_csv` (a peer, never a
dependency: `pip install pandas`).

The file: N rows (default 1 000 000) of 19 feature columns and a target, numbers with five
decimals, seeded, written to a temporary folder. Each reader runs K times in its own fresh
process, the two alternating: stir's `load_csv(path, "y", task="regression",
validation=0.2)` (what `stir train` does: parse, split, impute, standardize, float32) and
pandas' `read_csv(path)` then the float32 feature array and target (`to_numpy`). Time is the
reader's wall time in that process; memory the peak resident size above the process's size
after its imports (`ru_maxrss` minus /proc/self/statm before reading), against the final
float32 arrays. The targets (issue 15): within 3× pandas' time, and at most 3× the final
float32 array in memory. NumPy's parser alone (`np.loadtxt` on the whole file, into float64
as stir parses) runs beside them, as the floor for a reader built on it. Results go to
bench/CSV_LOADING.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FEATURES = 19
READERS = {
    "stir": ("from stir.data import load_csv",
             "d = load_csv(PATH, 'y', task='regression', validation=0.2)\n"
             "final = d.X_train.nbytes + d.X_val.nbytes"),
    "pandas": ("import pandas as pd",
               "df = pd.read_csv(PATH)\n"
               "X = df.drop(columns='y').to_numpy(np.float32)\n"
               "y = df['y'].to_numpy(np.float32)\n"
               "final = X.nbytes"),
    "numpy.loadtxt": ("",
                      "X = np.loadtxt(PATH, delimiter=',', skiprows=1, comments=None)\n"
                      "final = X.shape[0] * (X.shape[1] - 1) * 4  # the float32 features"),
}
_MEASURE = """
import json, resource, time, numpy as np
{imports}
PATH = {path!r}
def resident():
    return int(open('/proc/self/statm').read().split()[1]) * 4096
before = resident()
start = time.perf_counter()
{read}
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "above": peak - before, "final": final}}))
"""


def write_table(path: Path, rows: int, seed: int = 0) -> None:
    """The benchmark's file: a header, then `rows` rows of FEATURES columns and y."""
    rng = np.random.default_rng(seed)
    header = ",".join([f"x{i}" for i in range(FEATURES)] + ["y"])
    with open(path, "w") as file:
        file.write(header + "\n")
        for start in range(0, rows, 100_000):
            block = rng.standard_normal((min(100_000, rows - start), FEATURES + 1))
            np.savetxt(file, block, fmt="%.5f", delimiter=",")


def measure(reader: str, path: Path) -> dict[str, float]:
    imports, read = READERS[reader]
    code = _MEASURE.format(imports=imports, path=str(path), read=read)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.csv_loading",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).with_name("CSV_LOADING.md")))
    arguments = parser.parse_args(argv)
    try:
        import pandas
    except ImportError:
        print("pandas is not installed (pip install pandas): nothing to compare with",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        started = time.perf_counter()
        write_table(path, arguments.rows)
        size = path.stat().st_size
        print(f"wrote {arguments.rows:,} rows x {FEATURES + 1} columns ({size / 2**20:.0f} MB) "
              f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in READERS}
        for _ in range(arguments.runs):
            for name in READERS:
                runs[name].append(measure(name, path))
    lines = _report(runs, arguments.rows, size, pandas.__version__)
    Path(arguments.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def _report(runs: dict[str, list[dict[str, float]]], rows: int, size: int,
            pandas_version: str) -> list[str]:
    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    import stir

    stir_time, pandas_time = median("stir", "seconds"), median("pandas", "seconds")
    pairs = [stir["seconds"] / pandas["seconds"] for stir, pandas in zip(runs["stir"],
                                                                          runs["pandas"])]
    final = median("stir", "final")
    lines = [
        "# Reading a large CSV file: stir against pandas",
        "",
        f"{rows:,} rows x {FEATURES + 1} numeric columns ({size / 2**20:.0f} MB), "
        f"{len(runs['stir'])} runs each in fresh processes, alternating; medians "
        f"(`python -m bench.csv_loading`). stir {stir.__version__}, pandas "
        f"{pandas_version}, NumPy {np.__version__}, Python {platform.python_version()}, "
        f"{platform.processor() or platform.machine()}.",
        "",
        "| reader | seconds | peak memory above start | x the final float32 arrays |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in READERS:
        above = median(name, "above")
        lines.append(f"| {name} | {median(name, 'seconds'):.2f} | {above / 2**20:.0f} MB | "
                     f"{above / median(name, 'final'):.2f}x |")
    ratio, memory = stir_time / pandas_time, median("stir", "above") / final
    parser = median("numpy.loadtxt", "seconds")
    lines += [
        "",
        f"- time: stir {ratio:.2f}x pandas ({'MET' if ratio <= 3 else 'NOT MET'}: target "
        f"within 3x); NumPy's parser alone, which stir's reading is built on, takes "
        f"{parser / pandas_time:.2f}x pandas",
        f"- the runs vary: stir / pandas pair by pair (run one after the other) "
        f"{', '.join(f'{pair:.2f}' for pair in pairs)}; {sum(pair > 3 for pair in pairs)} of "
        f"{len(pairs)} above 3x",
        f"- memory: stir's peak {memory:.2f}x its final float32 arrays "
        f"({final / 2**20:.1f} MB; {'MET' if memory <= 3 else 'NOT MET'}: target at most 3x)",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
