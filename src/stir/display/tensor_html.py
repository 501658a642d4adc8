"""A tensor in a notebook: what it is (shape, dtype, device, autograd), what is in it (summary
statistics) and, when small, a picture of its values (sparkline for 1-D, heatmap for 2-D).

The tensor is taken duck-typed (`.array`, `.grad_fn`, `.requires_grad`, `.grad`), so this
module imports nothing of stir's tensor. Large tensors get statistics only, from an evenly
spaced sample above `EXACT_LIMIT` elements, so the display stays fast.

>>> import stir
>>> text = tensor_html(stir.tensor([[1.0, 2.0], [3.0, float("nan")]]))
>>> "(2, 2)" in text and "float32" in text and "data:image/svg+xml" in text
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .svg import BOX, HEADER, MUTED, escape, format_number, format_shape, heatmap, html_or_repr, \
    image, sparkline, table

#: Above this many elements, no picture: statistics only.
PICTURE_LIMIT = 100_000
#: Above this many elements, statistics come from an evenly spaced sample of this size.
EXACT_LIMIT = 1_000_000
#: The largest 1-D length drawn as a sparkline, and 2-D side drawn as a heatmap.
SPARKLINE_LIMIT, HEATMAP_LIMIT = 2_000, 100


def tensor_html(tensor: Any) -> str:
    """The HTML Jupyter shows for a tensor (or Parameter); never raises: anything that
    cannot be read shows as the text repr."""
    return html_or_repr(_render, tensor)


def _host(array: Any) -> np.ndarray:
    """A NumPy copy of a device array (CuPy's `.get()`), or the NumPy array itself."""
    if not isinstance(array, np.ndarray) and hasattr(array, "get"):
        return np.asarray(array.get())
    return np.asarray(array)


def _render(tensor: Any) -> str:
    array = tensor.array
    shape, size = tuple(array.shape), int(array.size)
    kind = type(tensor).__name__
    device = getattr(tensor, "device", "cpu")
    device_name = getattr(device, "type", None) or str(device)
    facts = [f"shape {format_shape(shape)}", str(array.dtype), str(device_name)]
    grad_fn = getattr(tensor, "grad_fn", None)
    if grad_fn is not None:
        facts.append(f"grad_fn={getattr(grad_fn, 'name', type(grad_fn).__name__)}")
    elif getattr(tensor, "requires_grad", False):
        facts.append("requires_grad=True")
    grad = getattr(tensor, "grad", None)
    if grad is not None:
        facts.append(f"grad {format_shape(grad.shape)}")
    header = (f'<div style="{HEADER}"><b>{escape(kind)}</b> '
              + " · ".join(escape(fact) for fact in facts) + "</div>")
    if size == 0:
        body = f'<div style="{MUTED}">no elements</div>'
    elif array.ndim == 0:
        value = _host(array).item()
        body = f'<div style="font-size:16px">{escape(format_number(value, 6))}</div>'
    else:
        body = _contents(array, size)
    return f'<div style="{BOX}">{header}{body}</div>'


def _contents(array: Any, size: int) -> str:
    """The statistics table, and a picture when the tensor is small."""
    if size > EXACT_LIMIT:
        step = -(-size // PICTURE_LIMIT)  # ceil: at most PICTURE_LIMIT samples
        values = _host(array.reshape(-1)[::step])
        note = f"from {values.size:,} evenly spaced of {size:,} elements"
    else:
        values = _host(array).reshape(-1)
        note = f"{size:,} elements"
    stats = _statistics(values)
    parts = []
    real = values.dtype == np.bool_ or (np.issubdtype(values.dtype, np.number) and
                                        not np.issubdtype(values.dtype, np.complexfloating))
    if size <= PICTURE_LIMIT and real:
        picture = _picture(_host(array))
        if picture:
            parts.append(f"<div>{picture}</div>")
    parts.append(f'<div>{table(stats)}<div style="{MUTED};padding:2px 8px">'
                 f"{escape(note)}</div></div>")
    return ('<div style="display:flex;gap:14px;align-items:flex-start;flex-wrap:wrap">'
            + "".join(parts) + "</div>")


def _statistics(values: np.ndarray) -> list[tuple[str, str]]:
    """(name, value) rows: True count for bools; min, max, mean (and std, NaN and inf
    counts for floating point) over the finite values."""
    if values.dtype == np.bool_:
        true = int(np.count_nonzero(values))
        return [("True", f"{true:,}"), ("False", f"{values.size - true:,}")]
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(
            values.dtype, np.complexfloating):
        return [("dtype", str(values.dtype))]
    if np.issubdtype(values.dtype, np.integer):
        return [("min", format_number(values.min())), ("max", format_number(values.max())),
                ("mean", format_number(float(values.mean(dtype=np.float64))))]
    wide = values.astype(np.float64, copy=False)
    finite_mask = np.isfinite(wide)
    finite = wide[finite_mask]
    nan = int(np.count_nonzero(np.isnan(wide)))
    inf = wide.size - finite.size - nan
    rows = []
    if finite.size:
        rows += [("min", format_number(finite.min())), ("max", format_number(finite.max())),
                 ("mean", format_number(finite.mean())), ("std", format_number(finite.std()))]
    else:
        rows.append(("finite", "none"))
    if nan:
        rows.append(("NaN", f"{nan:,}"))
    if inf:
        positive = int(np.count_nonzero(wide == np.inf))
        rows.append(("inf", f"{inf:,} (+{positive:,} / -{inf - positive:,})"))
    return rows


def _picture(values: np.ndarray) -> str:
    """A sparkline of a short vector (or one-column matrix), a heatmap of a small matrix,
    else nothing."""
    squeezed = values.reshape(-1) if values.ndim == 2 and 1 in values.shape else values
    numbers = squeezed.astype(np.float64)
    finite = numbers[np.isfinite(numbers)]
    extent = (f"from {format_number(finite.min())} to {format_number(finite.max())}"
              if finite.size else "none finite")
    if squeezed.ndim == 1 and squeezed.size <= SPARKLINE_LIMIT:
        return image(sparkline(numbers), f"the {squeezed.size:,} values, {extent}")
    if squeezed.ndim == 2 and max(squeezed.shape) <= HEATMAP_LIMIT:
        rows, cols = squeezed.shape
        return image(heatmap(numbers), f"the {rows} × {cols} values as colours, {extent}")
    return ""
