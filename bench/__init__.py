"""Side-by-side timing of one MLP training step in stir, hand-written NumPy and PyTorch.

Run it from the repository root:

    python -m bench            # a couple of minutes; writes bench/RESULTS.md
    python -m bench --quick    # under a minute, for a smoke test

The model is the smallest useful one: Linear(2, 5) -> ReLU -> Linear(5, 1), batch 100, MSE
loss, plain SGD (lr 0.01), float32. At this size the arithmetic is almost free, so the time
per step measures each engine's per-operation overhead: exactly what an eager autograd
library has to keep small.

Modules:
    problem  the data (rotating minibatches) and the initial weights, shared by all engines
    engines  one function per engine, each returning a `step()` closure
    check    the engines must agree (losses and parameters) before anything is timed
    timing   warm-up, calibration and interleaved round-robin timing
    machine  a description of the machine and library versions
    report   the results table (plain text and Markdown) and the stage targets
"""
