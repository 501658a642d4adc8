"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel (nbclient).

The repository keeps the notebooks with their outputs stripped and the seeds' own sizes.
Each notebook has one code cell tagged `parameters` (epochs, sample counts, ...); its
metadata `stir.test_parameters` holds the fast values the suite runs with, injected as a
cell right after that one, and `stir.test_checks` holds assertions on the notebook's
variables (the numbers the seed reports), run as a last cell. A learner sees neither.
The kernel is this test's own Python, so it imports the stir under test.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SEEDS = ("000", "001", "002", "003", "004")


def parameters_cell(cells: list) -> int:
    """The index of the one code cell tagged `parameters`."""
    tagged = [i for i, cell in enumerate(cells)
              if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {})
              .get("tags", [])]
    assert len(tagged) == 1, f"needs exactly one code cell tagged 'parameters', has {len(tagged)}"
    return tagged[0]


def test_every_seed_and_the_first_hour_have_a_notebook() -> None:
    names = [path.name for path in NOTEBOOKS]
    for seed in SEEDS:
        assert any(name.startswith(seed + "_") for name in names), f"no notebook for seed {seed}"
    assert any("first_hour" in name for name in names), "no first-hour notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stripped_and_declares_its_test_sizes(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: cell {index} keeps outputs; strip them before committing"
    parameters_cell(notebook["cells"])
    stir_metadata = notebook["metadata"].get("stir", {})
    assert stir_metadata.get("test_parameters", "").strip(), "no stir.test_parameters"
    assert "assert" in stir_metadata.get("test_checks", ""), "no stir.test_checks assertions"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernel spec that starts this interpreter, whatever `python` is on PATH."""
    pytest.importorskip("ipykernel", reason="the notebooks need ipykernel: pip install ipykernel")
    from ipykernel.kernelspec import write_kernel_spec

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / "stir-test", overrides={"argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    return kernels


def execute(path: Path, kernels: Path, workdir: Path) -> tuple[object, float]:
    """Run the notebook at its test sizes in `workdir`; return it (with outputs) and seconds."""
    nbformat = pytest.importorskip("nbformat", reason="pip install nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbclient")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    notebook = nbformat.read(path, as_version=4)
    stir_metadata = notebook.metadata["stir"]
    at = parameters_cell(notebook.cells)
    notebook.cells.insert(at + 1, nbformat.v4.new_code_cell(stir_metadata["test_parameters"]))
    notebook.cells.insert(0, nbformat.v4.new_code_cell(
        f"import stir\nassert stir.__file__.startswith({str(ROOT / 'src')!r}), stir.__file__"))
    notebook.cells.append(nbformat.v4.new_code_cell(stir_metadata["test_checks"]))
    manager = KernelManager(kernel_name="stir-test",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    client = nbclient.NotebookClient(notebook, km=manager, timeout=600,
                                     resources={"metadata": {"path": str(workdir)}})
    started = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - started


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_in_a_kernel(path: Path, kernel_dir: Path, tmp_path: Path) -> None:
    notebook, seconds = execute(path, kernel_dir, tmp_path)
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors, errors
    print(f"{path.name}: {seconds:.1f} s in the kernel")
