"""Peak memory of a training run, each engine in a process of its own (Linux only).

The child (`python -m bench.memory ENGINE CONFIG STEPS`) imports the engine's library,
builds the configuration's data (the same NumPy arrays for every engine), and reads its
resident memory: the baseline. It then resets the kernel's high-water mark (writing 5 to
/proc/self/clear_refs) so that transient peaks of the imports are forgotten, builds the
engine (model, optimizer), runs STEPS training steps and reads the high-water mark VmHWM.
"Above baseline" is that peak minus the baseline: the memory the training itself took
(parameters, gradients, optimizer state, activations, the library's caches and pools). Both
it and the absolute peak are reported; the target is on the memory above the baseline.

That figure includes what the first step sets up once (the optimizer's buffers, the kernels
and allocator pools a library loads on first use), so the child also resets the high-water
mark after the first step: "warm step" is the peak of the later steps above the resident
memory after the first, the memory each ordinary step takes on top of what stays.

Two configurations are measured (`CONFIGS`): mnist with every engine, and cnn (LeNet-5,
issue 14) with the engines it has (`ENGINES`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from .names import JAX, NUMPY, STIR_COMPILED, STIR_MODULES, TORCH_MODULES
from .source import REPO_ROOT, child_env

ENGINE_MODULES = {  # the library each engine row imports
    STIR_MODULES: "stir", STIR_COMPILED: "stir", NUMPY: "numpy", TORCH_MODULES: "torch",
    JAX: "jax",
}
CONFIG = "mnist"
ENGINES = {  # the rows measured of each configuration
    "mnist": tuple(ENGINE_MODULES),
    "cnn": (STIR_MODULES, STIR_COMPILED, NUMPY, TORCH_MODULES),
}
CONFIGS = tuple(ENGINES)


@dataclass(frozen=True)
class MemoryUse:
    """Resident memory of one child process, in bytes."""

    baseline: int  # after importing the library and building the data
    peak: int  # high-water mark over the whole training run
    warm_step: int | None = None  # peak of steps 2.. above the memory after step 1

    @property
    def above_baseline(self) -> int:
        return self.peak - self.baseline


def status_bytes(field: str) -> int:
    """A memory field of /proc/self/status (VmRSS, VmHWM...) in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> bool:
    """Reset the process's VmHWM to its current VmRSS (Linux 4.0+); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def child(engine_name: str, config_name: str, steps: int) -> MemoryUse:
    """Run in the child process: the memory of `steps` steps of one engine."""
    import importlib

    importlib.import_module(ENGINE_MODULES[engine_name])
    from .problem import CONFIGS, make_problem
    from .rows import engine_factory

    problem = make_problem(CONFIGS[config_name], seed=0)
    factory = engine_factory(problem.config, engine_name)
    baseline = status_bytes("VmRSS")
    if not reset_peak():  # then transient peaks before this point count in the baseline
        baseline = status_bytes("VmHWM")
    engine = factory(problem)  # an ImportError here: the engine is unavailable
    engine.prepare()
    engine.step()
    peak = status_bytes("VmHWM")
    after_first = status_bytes("VmRSS")
    warm = steps > 1 and reset_peak()
    for _ in range(steps - 1):
        engine.step()
    peak = max(peak, status_bytes("VmHWM"))
    return MemoryUse(baseline=baseline, peak=peak,
                     warm_step=status_bytes("VmHWM") - after_first if warm else None)


def measure_memory(steps: int, engine_names: tuple[str, ...] = tuple(ENGINE_MODULES),
                   config_name: str = CONFIG) -> tuple[dict[str, MemoryUse], dict[str, str]]:
    """Each engine's memory use, measured in a fresh process of its own, and why each engine
    that could not run was unavailable."""
    uses, unavailable = {}, {}
    for name in engine_names:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.memory", name, config_name, str(steps)],
            capture_output=True, text=True, check=False, timeout=600, env=child_env(),
            cwd=REPO_ROOT,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"memory run of {name} failed:\n{completed.stderr.strip()}")
        answer = json.loads(completed.stdout.splitlines()[-1])
        if "unavailable" in answer:
            unavailable[name] = answer["unavailable"]
        else:
            uses[name] = MemoryUse(**answer)
    return uses, unavailable


def main(argv: list[str]) -> None:
    """The child's entry point: print its memory use (or why it cannot run) as JSON."""
    engine_name, config_name, steps = argv
    try:
        use = child(engine_name, config_name, int(steps))
    except ImportError as error:
        print(json.dumps({"unavailable": f"{type(error).__name__}: {error}"}))
    else:
        print(json.dumps({"baseline": use.baseline, "peak": use.peak,
                          "warm_step": use.warm_step}))


if __name__ == "__main__":
    main(sys.argv[1:])
