"""Which stir is timed, and the environment of the benchmark's child processes.

By default the benchmark times the stir that `import stir` finds (the editable install of
this checkout). `python -m bench --stir-src DIR` times another checkout instead, for a
before/after comparison with the same harness: DIR is a folder holding the `stir` package
(a checkout's `src/`, or the checkout itself, whose `src/` is then used). It is put first on
`sys.path` before stir is imported, and first on the PYTHONPATH of every child process (the
memory and import runs), so the whole run times that stir. `PYTHONPATH=DIR/src python -m
bench` does the same (PYTHONPATH comes before the editable install's path). Either way the
report says where stir was imported from, and `--stir-src` checks it.

The current process's `os.environ` is never changed: children get a modified copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout the harness comes from
_extra_path: list[str] = []  # the --stir-src folder, once chosen


class SourceError(RuntimeError):
    """The stir asked for cannot be (or was not) the one imported."""


def package_folder(path: Path) -> Path:
    """The folder holding the `stir` package: `path` itself, or `path/src`."""
    for folder in (path, path / "src"):
        if (folder / "stir" / "__init__.py").is_file():
            return folder.resolve()
    raise SourceError(f"--stir-src {path}: no stir/__init__.py in it or in {path / 'src'}")


def use_stir_source(path: Path) -> Path:
    """Make `import stir` (here and in child processes) load the stir package under `path`;
    return the package's folder. Raises SourceError if another stir is already imported
    or if the import does not come from there."""
    folder = package_folder(path)
    loaded = sys.modules.get("stir")
    if loaded is not None and not _inside(loaded, folder):
        raise SourceError(f"stir is already imported from {stir_folder(loaded)}")
    sys.path.insert(0, str(folder))
    _extra_path[:] = [str(folder)]
    import stir

    if not _inside(stir, folder):
        raise SourceError(f"--stir-src {path}: stir was imported from {stir_folder(stir)}")
    return Path(stir.__file__).resolve().parent


def _inside(module: object, folder: Path) -> bool:
    return folder in stir_folder(module).parents


def stir_folder(module: object) -> Path:
    """The folder of an imported package."""
    return Path(getattr(module, "__file__", "") or ".").resolve().parent


def child_env(drop: tuple[str, ...] = ()) -> dict[str, str]:
    """A copy of this process's environment for a child process: the --stir-src folder
    first on PYTHONPATH, and without the variables in `drop`. `os.environ` is not changed.
    """
    env = {name: value for name, value in os.environ.items() if name not in drop}
    if _extra_path:
        env["PYTHONPATH"] = os.pathsep.join(
            [*_extra_path, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    return env


def run_command(command: list[str]) -> str:
    """The standard output of `command`, or "" if it cannot run."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def git_state(folder: Path) -> str:
    """The git commit of the checkout holding `folder`, and how many files under `folder`
    have uncommitted changes."""
    commit = run_command(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"]).strip()
    if not commit:
        return "not a git checkout"
    changed = run_command(["git", "-C", str(folder), "status", "--porcelain", "--", "."])
    n_changed = len(changed.splitlines())
    return f"git {commit}" + (f" + {n_changed} uncommitted file(s) there" if n_changed else "")


def describe_stir() -> str:
    """The stir under test: version, folder and commit (for the report's header)."""
    import stir

    folder = stir_folder(stir)
    version = getattr(stir, "__version__", "?")
    return f"{version} from {folder} ({git_state(folder)})"


def describe_harness() -> str:
    """The benchmark's own checkout: folder and commit, uncommitted changes under bench/."""
    return f"{REPO_ROOT / 'bench'} ({git_state(REPO_ROOT / 'bench')})"
