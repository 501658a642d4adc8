"""Seed 004, "how operator overload solves such problems": your own differentiable functions.

A stir.Function has a forward, which computes the value and saves what the gradient will
need, and a backward, which turns ∂L/∂output into ∂L/∂input for every input. The lecture's
ReLU runs as written; its MyMM returns W*v (elementwise), so for a matrix W its backward
Wᵀ·grad is wrong, and stir.gradcheck, which compares backward with central differences,
says so. MatVec is the product the slide means. With ReLU and MatVec we rebuild the
lecture's graph L = |W₁₂·ReLU(W₀₁x) - y|² and train it by SGD, one sample at a time, to
copy a random "teacher" network.
Prints the three gradchecks and the loss at the start and the end of training; draws the
loss. `--quick`: 300 SGD steps instead of 3 000.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.plot


class ReLU(stir.Function):
    """max(0, x), exactly as on the slide; the gradient is 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx: stir.Context, input: stir.Tensor) -> stir.Tensor:
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx: stir.Context, grad_output: stir.Tensor) -> stir.Tensor:
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class MyMM(stir.Function):
    """The slide's MyMM: forward W*v is elementwise, backward Wᵀ·grad a matrix's transpose."""

    @staticmethod
    def forward(ctx: stir.Context, v: stir.Tensor, W: stir.Tensor) -> stir.Tensor:
        ctx.save_for_backward(W)
        return W * v

    @staticmethod
    def backward(ctx: stir.Context, grad_output: stir.Tensor) -> stir.Tensor:
        W, = ctx.saved_tensors
        return W.T * grad_output  # no gradient for W: the slide treats it as a constant


class MatVec(stir.Function):
    """z = W v, with ∂L/∂v = Wᵀ g and ∂L/∂W = g vᵀ for g = ∂L/∂z."""

    @staticmethod
    def forward(ctx: stir.Context, v: stir.Tensor, W: stir.Tensor) -> stir.Tensor:
        ctx.save_for_backward(v, W)
        return W @ v

    @staticmethod
    def backward(ctx: stir.Context, grad_output: stir.Tensor
                 ) -> tuple[stir.Tensor, stir.Tensor]:
        v, W = ctx.saved_tensors
        return W.T @ grad_output, grad_output.reshape(-1, 1) @ v.reshape(1, -1)


def loss(x: stir.Tensor, y: stir.Tensor, W01: stir.Tensor, W12: stir.Tensor) -> stir.Tensor:
    """The lecture's graph: L1 = W₀₁x, L1 = ReLU(L1), L2 = W₁₂L1, L = (L2 - y)ᵀ(L2 - y)."""
    L2 = MatVec.apply(ReLU.apply(MatVec.apply(x, W01)), W12)
    return ((L2 - y) ** 2).sum()


def randn(*shape: int, requires_grad: bool = True) -> stir.Tensor:
    """Standard normal float64 numbers: gradcheck's central differences need the precision."""
    return stir.randn(*shape, dtype=stir.float64, requires_grad=requires_grad)


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    stir.manual_seed(0)
    matrix = stir.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=stir.float64)
    checks = {"relu": stir.gradcheck(ReLU.apply, (randn(5),)),
              "mymm": stir.gradcheck(MyMM.apply, (randn(2), matrix), raise_exception=False),
              "matvec": stir.gradcheck(MatVec.apply, (randn(4), randn(3, 4)))}
    for name, passed in checks.items():
        print(f"gradcheck {name:>6}: {'passes' if passed else 'fails: backward is wrong'}")

    W01, W12 = randn(8, 4), randn(2, 8)
    teacher = [randn(8, 4, requires_grad=False), randn(2, 8, requires_grad=False)]
    losses = []
    for _ in range(300 if quick else 3_000):
        x = randn(4, requires_grad=False)
        y = teacher[1] @ (teacher[0] @ x).relu()  # the teacher is fixed: nothing to record
        value = loss(x, y, W01, W12)
        W01.grad = W12.grad = None
        value.backward()
        with stir.no_grad():
            for W in (W01, W12):
                W.sub_(W.grad, alpha=0.005)
        losses.append(float(value.item()))
    first, last = np.mean(losses[:100]), np.mean(losses[-100:])
    print(f"SGD with our Functions, {len(losses):,} steps: mean loss {first:.3f} over the "
          f"first 100 steps, {last:.4f} over the last 100")
    numbers = {**{f"gradcheck_{k}": float(v) for k, v in checks.items()},
               "first_loss": first, "last_loss": last}

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.semilogy(np.convolve(losses, np.ones(20) / 20, mode="valid"))
    ax.set(title="training with ReLU and MatVec", xlabel="SGD step",
           ylabel="loss, mean of 20 steps")
    print(f"wrote {stir.plot.save(figure, Path(out) / 'custom_function.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
