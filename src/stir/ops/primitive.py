"""`Primitive`: the base of stir's own operations."""

from __future__ import annotations

from ..autograd import Function


class Primitive(Function):
    """A stir operation. Its backward is written for NumPy arrays and tensors alike (with
    operators, shared methods and `stir.ops.dual`), so the engine may run it on arrays, which
    is much faster, and runs it on tensors only when recording it (`create_graph=True`)."""

    backward_on_arrays = True
