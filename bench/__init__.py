"""Side-by-side timing of training small networks in stir, hand-written NumPy, PyTorch and JAX.

Run it from the repository root:

    python -m bench                 # several minutes; writes bench/RESULTS.md
    python -m bench --quick         # about a minute, for a smoke test
    python -m bench --only mnist    # some configurations and sections (comma-separated)
    python -m bench --stir-src ../old/src   # the same harness on another checkout of stir

The configurations (`problem.CONFIGS`), each with its own table of one training step:

    tiny     Linear(2, 5) -> ReLU -> Linear(5, 1), batch 100, MSE, plain SGD (lr 0.01). The
             arithmetic is almost free, so the time per step measures each engine's
             per-operation overhead: exactly what an eager autograd library has to keep small.
    mnist    784 -> 256 -> 256 -> 10 with ReLUs, batch 128, softmax cross-entropy on integer
             classes, SGD with momentum 0.9 (lr 0.01). The matrix products start to count.
    curious  seed 000's loop: 1 -> 1024 -> 1, one sample per step, MSE, plain SGD.
    wide     784 -> 1024 -> 1024 -> 10, batch 512, cross-entropy, plain SGD: nearly all
             matrix products, timed against a float32 1024³ matmul measured in the same run.
    cnn      LeNet-5 on 1×28×28 inputs: Conv2d(1, 6, 5, padding=2) -> ReLU -> MaxPool2d(2) ->
             Conv2d(6, 16, 5) -> ReLU -> MaxPool2d(2) -> Flatten -> 400 -> 120 -> 84 -> 10,
             batch 64, cross-entropy, SGD with momentum 0.9 (lr 0.01) (issue 14).
    lstm     LSTM(32, 128, num_layers=2, batch_first=True) over 32 steps, the last step's
             output -> Linear(128, 10), batch 64, cross-entropy, SGD with momentum 0.9.

The cnn and lstm tables have stir modules, stir compiled, numpy (im2col and matrix products;
an LSTM with backpropagation through time, by hand) and the PyTorch modules rows.

The rows name the style of their step (`names`), and stir is compared with PyTorch's row of
the same style: "stir modules" (nn.Sequential, loss, optim.SGD: the headline) against
"pytorch modules"; "stir functional" (F.linear, relu, F.mse_loss and a manual SGD update;
tiny and curious) against "pytorch functional", the same operations in PyTorch; also "stir
functional (raw ops)" (tiny), "stir compiled" (the modules step through `stir.compile`),
NumPy with a hand-derived backward (the floor, and again as "numpy (repeat)" to show the
noise), "pytorch modules (1 thread)" and JAX jit, when installed.

`--stir-src DIR` times the stir package under DIR instead of the installed one (`source`);
the report's header says which stir was timed. The machine section names the BLAS kernel
NumPy runs (threadpoolctl, if installed) and the float32 matmul peak with and without the
processor-specific OpenBLAS variables (the second in a child process).

The sections after the tables: peak memory of an mnist and of a cnn training run (one
process per engine), `import` time, and time to 97 % test accuracy on handwritten digits
(stir, PyTorch, scikit-learn's MLPClassifier). All in float32.

Modules:
    problem      the configurations, their data (rotating minibatches), initial weights, FLOPs
    names        the rows' names and styles, and the PyTorch row each is compared with
    engines      stir, NumPy and PyTorch engines, each returning a `step()` closure
    cnn, lstm    the LeNet-5 and LSTM engines (stir, PyTorch, hand-written NumPy)
    engines_jax  the JAX jit engine
    rows         which engines each table has (and the stir compiled engine)
    check        the engines must agree (losses, parameters, updates) before anything is timed
    timing       warm-up, calibration and interleaved round-robin timing
    peak         the float32 matmul peak and the fraction of it a step reaches; the peak
                 with and without the OpenBLAS variables (the latter in a child process)
    blas         NumPy's BLAS library and kernel (threadpoolctl), the OpenBLAS variables
    source       which stir is timed (--stir-src), the child processes' environment
    targets      the goals of issues 5 and 14 and whether a run meets them
    memory       peak memory, one child process per engine
    imports      import time, one child process per import
    accuracy     time to 97 % on digits
    machine      a description of the machine and library versions
    report       the step tables (plain text and Markdown)
    sections     the memory, import and accuracy tables
    csv_loading  on its own (`python -m bench.csv_loading`): reading a 1 000 000-row CSV
                 with stir's load_csv against pandas.read_csv, time and peak memory
                 (issue 15); writes bench/CSV_LOADING.md
    distributed  on its own (`python -m bench.distributed`): the mnist step on 1 and 2
                 processes through DistributedDataParallel (MPI), steps/s, parallel
                 efficiency, the all-reduce's share, and the cost model at this machine's
                 rate (issue 17); writes bench/DISTRIBUTED.md
    race         on its own (`python -m bench.race`): stir train's defaults against
                 scikit-learn's MLP over seeded splits of real tables (issue 15); writes
                 bench/RACE.md
"""
