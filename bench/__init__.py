"""Side-by-side timing of one MLP training step in stir, hand-written NumPy and PyTorch.

Run it from the repository root:

    python -m bench                 # a few minutes; writes bench/RESULTS.md
    python -m bench --quick         # under a minute, for a smoke test
    python -m bench --only mnist    # some of the configurations (comma-separated)

The configurations (`problem.CONFIGS`), each with its own table:

    tiny   Linear(2, 5) -> ReLU -> Linear(5, 1), batch 100, MSE, plain SGD (lr 0.01). The
           arithmetic is almost free, so the time per step measures each engine's
           per-operation overhead: exactly what an eager autograd library has to keep small.
    mnist  784 -> 256 -> 256 -> 10 with ReLUs, batch 128, softmax cross-entropy on integer
           classes, SGD with momentum 0.9 (lr 0.01). The matrix products start to count.

All in float32.

Modules:
    problem  the configurations, their data (rotating minibatches) and initial weights
    engines  one function per engine, each returning a `step()` closure
    check    the engines must agree (losses, parameters, updates) before anything is timed
    timing   warm-up, calibration and interleaved round-robin timing
    machine  a description of the machine and library versions
    report   the results tables (plain text and Markdown) and the targets
"""
