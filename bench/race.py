"""`python -m bench.race [--splits N] [--only NAME,...] [--out PATH]`: `stir train`'s
defaults against scikit-learn's MLP on the tables scikit-learn and PyPI packages ship.

Each table is split N times (default 10; seeded: 75 % to train, 25 % to test). On each
split, stir is run as a user runs it, `stir train train.csv --target T --quiet` (its
defaults: 64,64 ReLU, Adam; the epoch count chosen by 5-fold cross-validation for a
regression, by early stopping on 20 % of the training rows for a classification; then the
refit on all of them) and `stir eval` on the test rows; scikit-learn's `MLPClassifier` / `MLPRegressor`
(its defaults, random_state = the split's seed) runs in a pipeline with the same encoding:
median imputation and standardization of the number columns, most-frequent imputation and
one-hot encoding of the text columns, and for regression a standardized target
(`TransformedTargetRegressor`). The score is accuracy, or R² for regression, on the test
rows. Tables: scikit-learn's iris, wine, breast_cancer, digits and diabetes; ISLP's Auto,
Boston, Carseats, College, Credit, Hitters and Wage, and palmerpenguins' penguins, read from
those packages' files when they are installed (`pip install palmerpenguins` and
`pip install --no-deps ISLP`: the data only). The target (issue 15): stir level on every
table (within 0.005) and ahead on average. Results go to bench/RACE.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np


class Table(NamedTuple):
    name: str
    source: str  # "sklearn:load_iris" or "package:ISLP/data/Auto.csv"
    target: str
    task: str  # classification or regression
    drop: tuple[str, ...] = ()


TABLES = (
    Table("iris", "sklearn:load_iris", "target", "classification"),
    Table("wine", "sklearn:load_wine", "target", "classification"),
    Table("breast_cancer", "sklearn:load_breast_cancer", "target", "classification"),
    Table("digits", "sklearn:load_digits", "target", "classification"),
    Table("diabetes", "sklearn:load_diabetes", "target", "regression"),
    Table("penguins", "package:palmerpenguins/data/penguins.csv", "species", "classification"),
    Table("Auto", "package:ISLP/data/Auto.csv", "mpg", "regression", ("name",)),
    Table("Boston", "package:ISLP/data/Boston.csv", "medv", "regression"),
    Table("Carseats", "package:ISLP/data/Carseats.csv", "Sales", "regression"),
    Table("College", "package:ISLP/data/College.csv", "Private", "classification"),
    Table("Credit", "package:ISLP/data/Credit.csv", "Balance", "regression", ("ID",)),
    Table("Hitters", "package:ISLP/data/Hitters.csv", "Salary", "regression"),
    Table("Wage", "package:ISLP/data/Wage.csv", "wage", "regression", ("logwage",)),
)


def load(table: Table) -> Any:
    """The table as a pandas DataFrame, or None when its package is not installed."""
    import pandas as pd

    kind, where = table.source.split(":", 1)
    if kind == "sklearn":
        import sklearn.datasets

        return getattr(sklearn.datasets, where)(as_frame=True).frame
    package, path = where.split("/", 1)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    frame = pd.read_csv(Path(list(spec.submodule_search_locations)[0]) / path)
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")]


def stir_score(train: Any, test: Any, table: Table, folder: Path,
               options: tuple[str, ...] = ()) -> float:
    """`stir train` with its defaults (and `options`) on the training rows, `stir eval` on
    the test rows."""
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    command = [sys.executable, "-m", "stir", "train", "train.csv", "--target", table.target,
               "--quiet", "--force", "--out", "model.safetensors"]
    if table.drop:
        command += ["--drop", ",".join(table.drop)]
    if table.task == "regression":
        command += ["--task", "regression"]
    subprocess.run(command + list(options), cwd=folder, check=True, capture_output=True,
                   text=True)
    result = subprocess.run([sys.executable, "-m", "stir", "eval", "model.safetensors",
                             "test.csv"], cwd=folder, check=True, capture_output=True,
                            text=True)
    last = result.stdout.strip().splitlines()[-1].split()
    key = "accuracy" if table.task == "classification" else "r2"
    return float(last[last.index(key) + 1])


def sklearn_score(train: Any, test: Any, table: Table, seed: int) -> float:
    """scikit-learn's MLP with its defaults, in a pipeline with stir's encoding."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    features = [c for c in train.columns if c != table.target and c not in table.drop]
    numbers = [c for c in features if train[c].dtype.kind in "biuf"]
    texts = [c for c in features if c not in numbers]
    encode = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("texts", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore")), texts)])
    X_train, y_train = train[features], train[table.target]
    X_test, y_test = test[features], test[table.target]
    if table.task == "classification":
        model = make_pipeline(encode, MLPClassifier(random_state=seed))
    else:
        model = TransformedTargetRegressor(make_pipeline(encode, MLPRegressor(random_state=seed)),
                                           transformer=StandardScaler())
        keep_train, keep_test = y_train.notna(), y_test.notna()
        X_train, y_train = X_train[keep_train], y_train[keep_train]
        X_test, y_test = X_test[keep_test], y_test[keep_test]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (ConvergenceWarning at its 200 iterations)
        model.fit(X_train, y_train)
    return float(model.score(X_test, y_test))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.race",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--only", default="", help="comma-separated table names")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RACE.md")))
    parser.add_argument("--stir-options", default="", help="more options for stir train, to "
                        "try other defaults (e.g. '--patience 20')")
    arguments = parser.parse_args(argv)
    options = tuple(arguments.stir_options.split())
    wanted = set(filter(None, arguments.only.split(",")))
    rows, skipped = [], []
    for table in TABLES:
        if wanted and table.name not in wanted:
            continue
        frame = load(table)
        if frame is None:
            skipped.append(table.name)
            continue
        started = time.perf_counter()
        ours, theirs = [], []
        with tempfile.TemporaryDirectory() as folder:
            for seed in range(arguments.splits):
                order = np.random.default_rng(seed).permutation(len(frame))
                cut = int(round(0.75 * len(frame)))
                train, test = frame.iloc[order[:cut]], frame.iloc[order[cut:]]
                ours.append(stir_score(train, test, table, Path(folder), options))
                theirs.append(sklearn_score(train, test, table, seed))
        rows.append((table, len(frame), ours, theirs, time.perf_counter() - started))
        print(f"{table.name}: stir {statistics.mean(ours):.4f}, scikit-learn "
              f"{statistics.mean(theirs):.4f}", file=sys.stderr)
    lines = _report(rows, skipped, arguments.splits, options)
    Path(arguments.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def _report(rows: list[Any], skipped: list[str], splits: int, options: tuple[str, ...]
            ) -> list[str]:
    import sklearn

    import stir

    lines = [
        "# stir train's defaults against scikit-learn's MLP",
        "",
        f"{splits} seeded 75/25 splits per table (`python -m bench.race`); mean and standard "
        f"deviation of the test score (accuracy, or R² for regression). stir "
        f"{stir.__version__}, scikit-learn {sklearn.__version__}"
        + (f"; stir train run with {' '.join(options)}." if options else "."),
        "",
        "| table | rows | task | stir train | scikit-learn MLP | stir − sklearn | level? |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    differences = []
    for table, count, ours, theirs, _ in rows:
        difference = statistics.mean(ours) - statistics.mean(theirs)
        differences.append(difference)
        lines.append(f"| {table.name} | {count} | {table.task} | {statistics.mean(ours):.4f} ± "
                     f"{statistics.pstdev(ours):.4f} | {statistics.mean(theirs):.4f} ± "
                     f"{statistics.pstdev(theirs):.4f} | {difference:+.4f} | "
                     f"{'yes' if difference >= -0.005 else 'NO'} |")
    if differences:
        level = sum(d >= -0.005 for d in differences)
        average = statistics.mean(differences)
        met = level == len(differences) and average > 0
        lines += ["", f"- level (within 0.005) on {level} of {len(differences)} tables; mean "
                  f"difference {average:+.4f} ({'MET' if met else 'NOT MET'}: target level on "
                  f"every table and ahead on average)"]
    if skipped:
        lines.append(f"- not run (package not installed): {', '.join(skipped)}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
