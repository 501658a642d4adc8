"""The shared look of stir's notebook displays, and the SVG pictures they are drawn with.

Pictures are SVG documents shown as `<img src="data:image/svg+xml;base64,...">` (`image`):
Jupyter's sanitizer, which cleans the HTML of notebooks opened untrusted, removes inline
<svg> (its text would leak as garbage) but keeps such images. Inside an image the page's
text colour does not reach, so pictures use a mid grey (`INK`) and mid-tone hues that
read on white and on near-black alike, and the HTML around them inherits the theme's
colour. Text is escaped here, once (`escape`).

>>> "<path" in sparkline([0.0, 1.0, 0.5])
True
>>> format_number(0.000012345), format_number(3.0), format_number(float("nan"))
('1.234e-05', '3', 'nan')
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from typing import Any, Callable, Sequence

import numpy as np

#: A monospace font (no CSS variables: the sanitizer of untrusted notebooks drops them).
FONT = ("font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,DejaVu Sans Mono,monospace;"
        "font-size:12px;line-height:1.45")
#: The frame around each display.
BOX = (f"{FONT};display:inline-block;max-width:100%;box-sizing:border-box;color:inherit;"
       "border:1px solid rgba(128,128,128,.45);border-radius:6px;padding:6px 10px;"
       "margin:2px 0;overflow-x:auto")
#: Secondary text: units, counts, notes.
MUTED = "opacity:.68"
#: The header band of a display.
HEADER = "margin:0 0 6px 0;padding-bottom:4px;border-bottom:1px solid rgba(128,128,128,.3)"
#: Text and frames inside pictures: a grey with 4:1 contrast on white and on #111.
INK = "#777777"
#: Hues (mid-tone: readable on light and dark backgrounds).
BLUE, ORANGE, GREEN, AMBER, RED = "#3b82c4", "#e0782b", "#2e9d5b", "#b8860b", "#d0453a"

# Colour maps as a few anchors, interpolated linearly (viridis; blue-grey-red for signs).
_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
_DIVERGING = ((59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38))


def _svg(width: float, height: float, extra: str = "") -> str:
    """The opening tag of a picture's SVG document."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
            f' viewBox="0 0 {width:.0f} {height:.0f}" '
            f'font-family="DejaVu Sans Mono,Menlo,Consolas,monospace"{extra}>')


def escape(value: Any) -> str:
    """`value` as text safe inside HTML and SVG (quotes too, for attributes)."""
    return html.escape(str(value), quote=True)


def format_number(value: Any, digits: int = 4) -> str:
    """A number in at most `digits` significant digits; integers and bools as they are."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def format_shape(shape: Sequence[int]) -> str:
    """(3, 4) as "(3, 4)", a 0-d shape as "()" and a 1-d one as "(5,)"."""
    return repr(tuple(int(n) for n in shape))


def colours(t: Any, diverging: bool = False) -> np.ndarray:
    """RGB bytes (shape t.shape + (3,)) of viridis at t in [0, 1], or of a blue-grey-red map
    centred at 0.5."""
    anchors = np.array(_DIVERGING if diverging else _VIRIDIS, dtype=np.float64)
    where = np.linspace(0.0, 1.0, len(anchors))
    t = np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0)
    channels = [np.interp(t, where, anchors[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def colour(t: float, diverging: bool = False) -> str:
    """The colour at t in [0, 1] as "#rrggbb" (see `colours`)."""
    return "#%02x%02x%02x" % tuple(int(v) for v in colours(t, diverging))


def png(rgba: np.ndarray) -> bytes:
    """An RGBA image (height, width, 4) of bytes as a PNG file (one zlib stream, no filter)."""
    height, width, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def image(svg: str, title: str) -> str:
    """An SVG document as an HTML <img> (a data URI), with `title` as its tooltip and text."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(title)}" '
            f'title="{escape(title)}" style="display:block;max-width:none">')


def _cell_labels(data: np.ndarray) -> np.ndarray:
    """The values as short text for heatmap cells: integers as they are, else two decimals
    (one above 10, none above 100), so every label fits a cell and they line up."""
    finite = data[np.isfinite(data)]
    biggest = float(np.abs(finite).max()) if finite.size else 0.0
    whole = bool(np.all(finite == np.round(finite)))
    decimals = 0 if whole or biggest >= 100 else 1 if biggest >= 10 else 2
    text = np.vectorize(lambda v: f"{v:.{decimals}f}" if math.isfinite(v) else str(v))(data)
    return np.where(np.char.lstrip(text, "-0.") == "", "0", text)


def _light(hex_colour: str) -> bool:
    """Whether black text reads better than white on this colour (relative luminance)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45


def table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None,
          align_right_from: int = 1) -> str:
    """A compact HTML table; cells are escaped text, columns from `align_right_from` on
    (numbers) right-aligned."""
    cell = "padding:1px 8px;border:none;background:none;color:inherit;white-space:nowrap"
    lines = [f'<table style="border-collapse:collapse;margin:0;{FONT}">']
    if header is not None:
        lines.append("<tr>" + "".join(
            f'<th style="{cell};font-weight:600;text-align:'
            f'{"right" if i >= align_right_from else "left"};'
            f'border-bottom:1px solid rgba(128,128,128,.4)">{escape(h)}</th>'
            for i, h in enumerate(header)) + "</tr>")
    for row in rows:
        lines.append("<tr>" + "".join(
            f'<td style="{cell};text-align:{"right" if i >= align_right_from else "left"}">'
            f"{escape(value)}</td>" for i, value in enumerate(row)) + "</tr>")
    return "".join(lines) + "</table>"


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """SVG path data through the points; None (a NaN or inf) breaks the line."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return "".join(parts)


def sparkline(values: Sequence[float], width: int = 260, height: int = 56) -> str:
    """A 1-D array as a line (dots too when short), with the zero line when it is in range;
    non-finite values leave gaps. Returns the SVG document."""
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    finite = data[np.isfinite(data)]
    pad = 4
    svg = [_svg(width, height)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        span = high - low or 1.0
        step = (width - 2 * pad) / max(data.size - 1, 1)

        def y_of(v: float) -> float:
            return height - pad - (v - low) / span * (height - 2 * pad)

        if low < 0 < high:
            svg.append(f'<line x1="0" x2="{width}" y1="{y_of(0.0):.1f}" y2="{y_of(0.0):.1f}" '
                       f'stroke="{INK}" stroke-opacity=".6" stroke-dasharray="2,2"/>')
        points = [(pad + i * step, y_of(v)) if math.isfinite(v) else None
                  for i, v in enumerate(data.tolist())]
        if data.size == 1:
            points = [(width / 2, height / 2)]
        svg.append(f'<path d="{_path(points)}" fill="none" stroke="{BLUE}" stroke-width="1.6" '
                   'stroke-linejoin="round"/>')
        if data.size <= 40:
            svg += [f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="2.2" fill="{BLUE}"/>'
                    for p in points if p is not None]
    svg.append("</svg>")
    return "".join(svg)


def heatmap(matrix: Any, max_side: int = 260) -> str:
    """A 2-D array as coloured cells (viridis; blue-grey-red around 0 when it has both
    signs; NaN and inf cells hatched), its values printed when it is tiny, and a colour bar
    giving the range. The cells are one embedded PNG, however many there are. Returns the
    SVG document."""
    data = np.asarray(matrix, dtype=np.float64)
    rows, cols = data.shape
    label_values = max(rows, cols) <= 8  # small: print each value
    scale = 36 if label_values else max(1, min(24, round(max_side / max(rows, cols))))
    finite_mask = np.isfinite(data)
    finite = data[finite_mask]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    diverging = low < 0 < high
    if diverging:
        high = max(-low, high)
        low = -high
    span = high - low or 1.0
    rgba = np.zeros((rows, cols, 4), dtype=np.uint8)
    rgba[..., :3] = colours((np.where(finite_mask, data, low) - low) / span, diverging)
    rgba[..., 3] = np.where(finite_mask, 255, 0)  # see-through: the hatching shows
    cells = base64.b64encode(png(rgba.repeat(scale, axis=0).repeat(scale, axis=1))).decode()
    width, height = cols * scale, rows * scale
    bar_x = width + 10
    total_width, total_height = bar_x + 62, max(height, 60)
    svg = [_svg(total_width, total_height),
           '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
           f'<path d="M0,4L4,0" stroke="{INK}"/></pattern></defs>']
    if not finite_mask.all():
        svg.append(f'<rect width="{width}" height="{height}" fill="url(#hatch)"/>')
    svg.append(f'<image width="{width}" height="{height}" href="data:image/png;base64,{cells}"/>')
    if label_values:
        labels = _cell_labels(data)
        for (i, j), value in np.ndenumerate(data):
            if math.isfinite(value):
                ink = "#000" if _light(colour((value - low) / span, diverging)) else "#fff"
                svg.append(f'<text x="{(j + 0.5) * scale:.1f}" y="{(i + 0.5) * scale + 3:.1f}" '
                           f'font-size="10" text-anchor="middle" fill="{ink}">'
                           f"{escape(labels[i, j])}</text>")
    steps = 24
    bar_height = total_height - 4
    for k in range(steps):
        svg.append(f'<rect x="{bar_x}" y="{2 + k * bar_height / steps:.1f}" width="10" '
                   f'height="{bar_height / steps + 0.5:.1f}" '
                   f'fill="{colour(1 - k / (steps - 1), diverging)}"/>')
    for y, value in ((9, high), (total_height - 2, low)):
        svg.append(f'<text x="{bar_x + 14}" y="{y:.0f}" font-size="10" fill="{INK}">'
                   f"{escape(format_number(value))}</text>")
    svg.append("</svg>")
    return "".join(svg)


def panel(title: str, series: Sequence[tuple[str, Sequence[float], str, bool]],
          epochs: Sequence[int], best: tuple[int, float] | None = None, width: int = 250,
          height: int = 150) -> str:
    """One small chart: each series (name, values, colour, dashed) against the epochs, the
    best epoch marked by a vertical line and a dot; log-scaled when positive values span
    more than two decades. Returns the SVG document."""
    left, right, top, bottom = 46, 8, 20, 22
    inner_w, inner_h = width - left - right, height - top - bottom
    everything = np.concatenate([np.asarray(v, dtype=np.float64) for _, v, _, _ in series])
    finite = everything[np.isfinite(everything)]
    log = bool(finite.size and finite.min() > 0 and finite.max() / finite.min() > 100)
    scale = np.log10 if log else (lambda v: v)
    low, high = ((float(scale(finite.min())), float(scale(finite.max()))) if finite.size
                 else (0.0, 1.0))
    if high == low:
        low, high = low - 0.5, high + 0.5
    margin = 0.06 * (high - low)  # the curves keep clear of the frame
    low, high = low - margin, high + margin
    first, last = epochs[0], epochs[-1]

    def x_of(epoch: float) -> float:
        return left + (epoch - first) / ((last - first) or 1) * inner_w

    def y_of(value: float) -> float:
        return top + (high - float(scale(value))) / (high - low) * inner_h

    svg = [_svg(width, height, f' font-size="10" fill="{INK}"'),
           f'<text x="2" y="12" font-weight="600" font-size="11">{escape(title)}'
           f'<tspan font-weight="400" fill-opacity=".7">{" (log)" if log else ""}</tspan>'
           "</text>",
           f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" fill="none" '
           f'stroke="{INK}" stroke-opacity=".7"/>']
    for fraction in (0.0, 0.5, 1.0):  # ticks at the data's range, inside the margins
        level = high - margin - fraction * (high - low - 2 * margin)
        value = 10 ** level if log else level
        y = top + (high - level) / (high - low) * inner_h
        svg.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">'
                   f"{escape(format_number(value, 3))}</text>")
        if fraction == 0.5:
            svg.append(f'<line x1="{left}" x2="{left + inner_w}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{INK}" stroke-opacity=".3"/>')
    for epoch, anchor in ((first, "start"), (last, "end")):
        svg.append(f'<text x="{x_of(epoch):.1f}" y="{height - 8}" text-anchor="{anchor}">'
                   f"{epoch}</text>")
    svg.append(f'<text x="{left + inner_w / 2:.1f}" y="{height - 8}" text-anchor="middle" '
               f'fill-opacity=".7">epoch</text>')
    if best is not None:
        epoch, value = best
        svg.append(f'<text x="{width - right}" y="12" text-anchor="end" fill="{GREEN}">best '
                   f"{escape(format_number(value))} @ {epoch}</text>")
        svg.append(f'<line x1="{x_of(epoch):.1f}" x2="{x_of(epoch):.1f}" y1="{top}" '
                   f'y2="{top + inner_h}" stroke="{GREEN}" stroke-dasharray="3,2"/>')
    stride = max(1, len(epochs) // 400)  # a path of at most ~400 points per curve
    for name, values, hue, dashed in series:
        points = [(x_of(e), y_of(v)) if math.isfinite(v) and (not log or v > 0) else None
                  for e, v in list(zip(epochs, values))[::stride]]
        dash = ' stroke-dasharray="5,3"' if dashed else ""
        svg.append(f'<path d="{_path(points)}" fill="none" stroke="{hue}" stroke-width="1.7"'
                   f"{dash}/>")
    if best is not None and math.isfinite(best[1]) and (not log or best[1] > 0):
        epoch, value = best
        svg.append(f'<circle cx="{x_of(epoch):.1f}" cy="{y_of(value):.1f}" r="3.5" '
                   f'fill="{GREEN}"/>')
    svg.append("</svg>")
    return "".join(svg)


def legend(entries: Sequence[tuple[str, str, bool]]) -> str:
    """Inline HTML: a short line in each colour (dashed or solid) and its name."""
    items = []
    for name, hue, dashed in entries:
        line = (f'<span style="display:inline-block;width:20px;vertical-align:middle;'
                f'border-top:2px {"dashed" if dashed else "solid"} {hue}"></span>')
        items.append(f'<span style="margin-right:12px;white-space:nowrap">{line} '
                     f"{escape(name)}</span>")
    return "".join(items)


def html_or_repr(render: Callable[[Any], str], shown: Any) -> str:
    """`render(shown)`, or the object's text repr if rendering fails: a display must not
    break the cell that shows it."""
    try:
        return render(shown)
    except Exception:
        try:
            text = repr(shown)
        except Exception:
            text = f"<{type(shown).__name__}>"
        return f'<pre style="margin:0">{escape(text)}</pre>'
