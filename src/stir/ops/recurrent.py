"""`LSTMSequence`: the recurrence of one LSTM layer over a whole sequence, as one node.

A primitive for speed: a composite LSTM makes about fifteen graph nodes per time step, and
at the sizes of a lesson (hidden 128, batch 64) their bookkeeping costs more than their
arithmetic. This node's forward runs the steps on raw arrays and its backward is the
closed-form gradient through time (BPTT), so a layer costs one node whatever its length
(a training step of a 2-layer LSTM, 32 steps, batch 64, hidden 128: about 3.5 times faster
than the same layers composed of primitives).

The formulas are on `stir.nn.functional.recurrent.lstm_cell`; the input projection
x_t W_ihᵀ + b_ih of every step is computed before, by one matrix product (`F.linear`).
"""

from __future__ import annotations

from typing import Any

from .. import _array
from .._array.windows import scratch
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive
from .shapes import concatenate, stack

_NDARRAY, _NUMPY = _array.NDARRAY, _array.NUMPY
_NUMPY_DOT = _array.NDARRAY.dot
_ADD, _MUL, _SUB = (_array.NUMPY_IN_PLACE[name] for name in ("add", "mul", "sub"))


def _sigmoid(x: Any) -> Any:
    """σ(x) = (1 + tanh(x/2))/2: one transcendental, and no overflow for any finite x."""
    if isinstance(x, Tensor):
        return x.sigmoid()
    return 0.5 * (1 + _array.namespace(x).tanh(0.5 * x))


def _tanh(x: Any) -> Any:
    return x.tanh() if isinstance(x, Tensor) else _array.namespace(x).tanh(x)


def _concat(parts: list[Any], axis: int) -> Any:
    if any(isinstance(part, Tensor) for part in parts):
        return concatenate(parts, axis=axis)
    return _array.namespace(parts[0]).concat(parts, axis=axis)


def _stack(parts: list[Any]) -> Any:
    if any(isinstance(part, Tensor) for part in parts):
        return stack(parts, axis=0)
    return _array.namespace(parts[0]).stack(parts, axis=0)


def _steps(gx: Any, h0: Any, c0: Any, weight: Any, bias: Any) -> list[tuple[Any, ...]]:
    """Per time step (σ of all four pre-activations, g, c_t, tanh c_t, h_t), on arrays or
    tensors alike (so a recorded backward recomputes them differentiably)."""
    hidden = h0.shape[-1]
    steps, h, c, weight_t = [], h0, c0, weight.T
    for t in range(gx.shape[0]):
        z = gx[t, ...] + dual.matmul(h, weight_t)
        if bias is not None:
            z = z + bias
        # σ over all four blocks (the g block is then unused): one call instead of three.
        s, g = _sigmoid(z), _tanh(z[:, 2 * hidden:3 * hidden])
        c = s[:, hidden:2 * hidden] * c + s[:, :hidden] * g
        tanh_c = _tanh(c)
        h = s[:, 3 * hidden:] * tanh_c
        steps.append((s, g, c, tanh_c, h))
    return steps


class LSTMSequence(Primitive):
    """The (h_t, c_t) of an LSTM layer for t = 1 … T, from the input projections.

    Inputs: gx (T, N, 4H), each step's x_t W_ihᵀ + b_ih (gates i, f, g, o, PyTorch's
    order); h0 and c0 (N, H); W_hh (4H, H); b_hh (4H,) or None. Output (T, N, 2H): h_t in
    the first H columns, c_t in the last H.

    Backward, through time from the last step: with dh, dc the gradients reaching step t
    (from the output and from step t+1), dc += dh·o·(1 - tanh²c_t); the pre-activation
    gradients are dz_i = dc·g·i(1-i), dz_f = dc·c_{t-1}·f(1-f), dz_g = dc·i(1-g²),
    dz_o = dh·tanh c_t·o(1-o); then dh_{t-1} = dz W_hh and dc_{t-1} = dc·f;
    d gx = dz, dW_hh = Σ_t dzᵀ h_{t-1}, db_hh = Σ dz. Recorded (create_graph), the steps are
    recomputed from the inputs with tensor operations, so the backward is differentiable.
    """

    @staticmethod
    def forward(ctx: Context, gx: Tensor, h0: Tensor, c0: Tensor, weight_hh: Tensor,
                bias_hh: Tensor | None) -> Any:
        ctx.save_for_backward(gx, h0, c0, weight_hh, bias_hh)
        arrays = [gx.array, h0.array, c0.array, weight_hh.array]
        bias = None if bias_hh is None else bias_hh.array
        if all(type(a) is _NDARRAY for a in arrays) and len(
                {a.dtype for a in arrays + ([] if bias is None else [bias])}) == 1:
            out, ctx.buffers = _numpy_forward(*arrays, bias)
            return out
        steps = _steps(*arrays, bias)
        ctx.buffers = steps  # the arrays backward needs (recomputed when it is recorded)
        xp = _array.namespace(gx.array)
        return xp.concat((xp.stack([s[4] for s in steps]), xp.stack([s[2] for s in steps])),
                         axis=-1)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        gx, h0, c0, weight, bias = ctx.saved_tensors
        recorded = isinstance(grad_output, Tensor)
        need_w = ctx.needs_input_grad[3]
        need_b = bias is not None and ctx.needs_input_grad[4]
        if not recorded and type(ctx.buffers) is tuple:
            return _numpy_backward(grad_output, h0, c0, weight, ctx.buffers, need_w, need_b)
        steps = _steps(gx, h0, c0, weight, bias) if recorded else ctx.buffers
        grad_z, dh, dc = _generic_backward(grad_output, c0, weight, steps)
        rows, gates = grad_z.shape[0] * grad_z.shape[1], grad_z.shape[2]
        grad_w = grad_b = None
        if need_w:
            h_previous = _stack([h0] + [s[4] for s in steps[:-1]])
            grad_w = dual.matmul(dual.reshape(grad_z, (rows, gates)).T,
                                 dual.reshape(h_previous, (rows, gates // 4)))
        if need_b:
            grad_b = dual.sum_rows(dual.reshape(grad_z, (rows, gates)))
        return grad_z, dh, dc, grad_w, grad_b


def _generic_backward(grad_output: Any, c0: Any, weight: Any, steps: list[tuple[Any, ...]]
                      ) -> tuple[Any, Any, Any]:
    """d gx, dh_0, dc_0 from the steps of `_steps`, on arrays or tensors alike."""
    hidden = c0.shape[-1]
    dh_next = dc_next = None
    dzs: list[Any] = [None] * len(steps)
    for t in range(len(steps) - 1, -1, -1):
        s, g, c, tanh_c, _ = steps[t]
        i, f, o = s[:, :hidden], s[:, hidden:2 * hidden], s[:, 3 * hidden:]
        dh, dc = grad_output[t, :, :hidden], grad_output[t, :, hidden:]
        if dh_next is not None:
            dh, dc = dh + dh_next, dc + dc_next
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        c_previous = steps[t - 1][2] if t else c0
        dz = _concat([dc * g * i * (1 - i), dc * c_previous * f * (1 - f),
                      dc * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=1)
        dzs[t] = dz
        dh_next, dc_next = dual.matmul(dz, weight), dc * f
    return _stack(dzs), dh_next, dc_next


# ----------------------------------------------------------------------------- NumPy's path
# The same maths on NumPy arrays, written for speed: results straight into preallocated
# buffers, one tanh call for all four gates (σ(z) = (1 + tanh(z/2))/2, the halving folded into
# W_hh and gx once), and each step's work done on arrays small enough to stay in cache. The
# gates are kept gate-major, (T, 4, N, H): an operation on one gate's (N, H) block then runs
# over contiguous memory, three times faster than over the strided columns of (N, 4H).

def _gate_rows(gates: int, dtype: Any, ifo: float, g: float) -> Any:
    """A row of `ifo` over the i, f and o blocks and `g` over the g block."""
    row = _NUMPY.full((gates,), ifo, dtype=dtype)
    row[gates // 2:3 * gates // 4] = g
    return row


def _numpy_forward(gx: Any, h0: Any, c0: Any, weight: Any, bias: Any) -> tuple[Any, Any]:
    """The output (T, N, 2H) and the buffers backward reads: the gates and tanh c_t."""
    xp = _NUMPY
    steps, batch, gates = gx.shape
    hidden = gates // 4
    scale = _gate_rows(gates, gx.dtype, 0.5, 1.0)  # tanh(z/2) for σ, tanh z for g
    per_gate = _gate_rows(4, gx.dtype, 0.5, 1.0).reshape(4, 1, 1)  # the same, per gate
    offset = _gate_rows(4, gx.dtype, 0.5, 0.0).reshape(4, 1, 1)
    weight_t = weight.T * scale  # (H, 4H), column-major: as fast here as a row-major copy
    # Reused arrays (see Scratch): these are MBs each, and fresh ones cost more in first-touch
    # page faults than the steps' arithmetic on them.
    scaled = scratch.empty(gx, (steps, batch, gates))  # (gx + b_hh)·scale, for all steps
    if bias is None:
        _MUL(gx, scale, out=scaled)
    else:
        _ADD(gx, bias, out=scaled)
        scaled *= scale
    act = scratch.empty(gx, (steps, 4, batch, hidden))
    tanh_c = scratch.empty(gx, (steps, batch, hidden))
    out = scratch.empty(gx, (steps, batch, 2 * hidden))
    z = xp.empty((batch, gates), dtype=gx.dtype)
    z_by_gate = z.reshape(batch, 4, hidden).transpose(1, 0, 2)
    h, c = h0.copy(), c0.copy()
    input_gate = xp.empty(c.shape, dtype=c.dtype)
    for t in range(steps):
        _NUMPY_DOT(h, weight_t, out=z)
        z += scaled[t]
        xp.tanh(z, out=z)
        a = act[t]
        _MUL(z_by_gate, per_gate, out=a)
        a += offset  # i, f, o = (1 + tanh(z/2))/2; g = tanh z
        c *= a[1]  # c_t = f·c_{t-1} + i·g
        _MUL(a[0], a[2], out=input_gate)
        c += input_gate
        xp.tanh(c, out=tanh_c[t])
        _MUL(a[3], tanh_c[t], out=h)  # h_t = o·tanh c_t
        out[t, :, :hidden] = h
        out[t, :, hidden:] = c
    return out, (act, tanh_c, out)


def _numpy_backward(grad_output: Any, h0: Any, c0: Any, weight: Any,
                    buffers: tuple[Any, ...], need_w: bool, need_b: bool
                    ) -> tuple[Any, ...]:
    """d gx, dh_0, dc_0, dW_hh, db_hh (None where not needed) on NumPy."""
    xp = _NUMPY
    act, tanh_c, out = buffers
    steps, _, batch, hidden = act.shape
    gates = 4 * hidden
    grad_z = scratch.empty(act, (steps, batch, gates))  # (reused: see _numpy_forward)
    grad_z_by_gate = grad_z.reshape(steps, batch, 4, hidden).transpose(0, 2, 1, 3)
    dz = xp.empty((4, batch, hidden), dtype=act.dtype)  # one step's, gate-major
    dh, dc, u, dh_next, dc_next = (xp.empty((batch, hidden), dtype=act.dtype)
                                   for _ in range(5))
    slopes = xp.empty((2, batch, hidden), dtype=act.dtype)
    for t in range(steps - 1, -1, -1):
        a, tc = act[t], tanh_c[t]
        i, f, g, o = a
        if t == steps - 1:
            dh[...], dc[...] = grad_output[t, :, :hidden], grad_output[t, :, hidden:]
        else:
            _ADD(grad_output[t, :, :hidden], dh_next, out=dh)
            _ADD(grad_output[t, :, hidden:], dc_next, out=dc)
        _MUL(tc, tc, out=u)  # dc += dh·o·(1 - tanh² c)
        _SUB(1, u, out=u)
        u *= o
        u *= dh
        dc += u
        _SUB(1, a[:2], out=slopes)  # σ' = σ(1 - σ) of i and f, times dc
        slopes *= a[:2]
        slopes *= dc
        _MUL(slopes[0], g, out=dz[0])  # dz_i = dc·g·i(1-i)
        _MUL(slopes[1], out[t - 1, :, hidden:] if t else c0, out=dz[1])  # dc·c_{t-1}·f(1-f)
        _MUL(g, g, out=u)  # dz_g = dc·i·(1 - g²)
        _SUB(1, u, out=u)
        u *= i
        _MUL(u, dc, out=dz[2])
        _SUB(1, o, out=dz[3])  # dz_o = dh·tanh c·o(1-o)
        dz[3] *= o
        dz[3] *= tc
        dz[3] *= dh
        grad_z_by_gate[t] = dz
        _NUMPY_DOT(grad_z[t], weight, out=dh_next)
        _MUL(dc, f, out=dc_next)
    grad_w = grad_b = None
    if need_w:  # Σ_t dz_tᵀ h_{t-1}: h_0, then the outputs as one strided matrix
        grad_w = _NUMPY_DOT(grad_z[0].T, h0)
        if steps > 1:
            rows = (steps - 1) * batch
            grad_w += _NUMPY_DOT(grad_z[1:].reshape(rows, gates).T,
                                 out[:-1, :, :hidden].reshape(rows, hidden))
    if need_b:
        grad_b = _array.sum_rows(grad_z.reshape(steps * batch, gates))
    return grad_z, dh_next, dc_next, grad_w, grad_b
