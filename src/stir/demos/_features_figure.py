"""The figure of the features demo: accuracy and training time of the five models, and the
CNN's learned first-layer filters beside the fixed gradient directions HOG bins by.

A 3×3 filter w answers a brightness ramp I = a·x + b·y (x to the right, y down, as in an
image) with Σ w·I = a·Σ w·x + b·Σ w·y: the vector g = (Σ w·x, Σ w·y) is the gradient direction
the filter detects, measured as HOG measures directions (θ = tan⁻¹(g_y/g_x) mod 180°), and
‖g‖² / (6·‖w‖²) (6 = Σ x² over the 3×3 offsets) is the share of the filter that is such an edge
detector (1 for a pure ramp; 0 for a blob or a checkerboard). Each filter is drawn under the
HOG bin its direction falls in.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import stir.features
from stir import nn

from ._common import pyplot

OFFSETS = np.array([-1.0, 0.0, 1.0])


def filter_directions(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For 3×3 filters (k, 3, 3): the gradient direction each detects, in degrees [0, 180),
    and the share of the filter (after removing its mean) that is a linear ramp.

    >>> ramp = np.tile(np.array([-1.0, 0.0, 1.0]), (3, 1))  # brighter to the right
    >>> angle, share = filter_directions(ramp[None])
    >>> angle.round(1).tolist(), share.round(3).tolist()
    ([0.0], [1.0])
    """
    w = weights - weights.mean(axis=(1, 2), keepdims=True)
    gx = np.einsum("kij,j->k", w, OFFSETS)
    gy = np.einsum("kij,i->k", w, OFFSETS)
    angle = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    energy = np.maximum((w ** 2).sum(axis=(1, 2)), 1e-12)
    return np.where(angle >= 180.0, 0.0, angle), (gx ** 2 + gy ** 2) / (6.0 * energy)


def first_filters(cnn: nn.Module) -> np.ndarray:
    """The first convolution's kernels of a CNN, (out_channels, kh, kw) (one input channel)."""
    for module in cnn.modules():
        if isinstance(module, nn.Conv2d):
            return np.asarray(module.weight.array)[:, 0].astype(np.float64)
    raise ValueError("features demo: the CNN has no Conv2d layer")


def _bars(ax: Any, rows: Sequence[Any], value: str, label: str, log: bool = False) -> None:
    """One bar per model, grouped by data set."""
    names = ["pixels", "histogram", "HOG", "MLP", "CNN"]
    sets = list(dict.fromkeys(row.data for row in rows))
    width = 0.8 / len(sets)
    colours = ["#4C72B0", "#DD8452"]
    for index, data in enumerate(sets):
        values = [getattr(row, value) for row in rows if row.data == data]
        positions = np.arange(len(values)) + (index - (len(sets) - 1) / 2) * width
        bars = ax.bar(positions, values, width, label=data, color=colours[index % 2])
        ax.bar_label(bars, [f"{v:.3f}" if value == "accuracy" else f"{v:.2g}" for v in values],
                     fontsize=7, padding=1)
    ax.set_xticks(np.arange(len(names)), ["linear:\npixels", "linear:\nhistogram",
                                           "linear:\nHOG", "MLP:\npixels", "CNN:\npixels"])
    ax.set_ylabel(label)
    if log:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 10, not 10¹
        ax.yaxis.set_minor_formatter(NullFormatter())
    if value == "accuracy":
        ax.set_ylim(0, 1.08)
    ax.legend(fontsize=8, loc="upper left")


def _edge_patch(angle: float, size: int = 9) -> np.ndarray:
    """A size × size image of a soft edge whose brightness grows along direction `angle`
    (degrees, y down): the pattern that votes most into the HOG bin of that direction."""
    y, x = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]
    theta = np.radians(angle)
    return np.tanh(3.0 * (np.cos(theta) * x + np.sin(theta) * y))


def _hog_glyphs(ax: Any, image: np.ndarray, cell: int, bins: int) -> None:
    """The image with, in each cell, one line per HOG bin along the edge it stands for
    (perpendicular to the gradient), as long as the bin's share of the largest vote."""
    from matplotlib.collections import LineCollection

    histogram = stir.features.hog(image, cell_size=cell, bins=bins, flatten=False)
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    rows, columns = np.mgrid[:histogram.shape[0], :histogram.shape[1]]
    centre_y = (rows * cell + (cell - 1) / 2)[..., None]  # a trailing axis for the bins
    centre_x = (columns * cell + (cell - 1) / 2)[..., None]
    edge = np.radians((np.arange(bins) + 0.5) * 180.0 / bins + 90.0)
    half = 0.5 * cell * histogram / (histogram.max() or 1.0)
    dx, dy = half * np.cos(edge), half * np.sin(edge)
    segments = np.stack([np.stack([centre_x - dx, centre_y - dy], -1),
                         np.stack([centre_x + dx, centre_y + dy], -1)], axis=-2)
    ax.add_collection(LineCollection(segments.reshape(-1, 2, 2), colors="#D62728",
                                     linewidths=1.2))
    ax.set_xlim(-0.5, image.shape[1] - 0.5)
    ax.set_ylim(image.shape[0] - 0.5, -0.5)
    ax.set_axis_off()


def draw_comparison(rows: Sequence[Any], cnn: nn.Module, digits: np.ndarray, cell: int,
                    bins: int) -> Any:
    """The whole figure: bars on top; filters, HOG bins and digits' HOG below."""
    plt = pyplot()
    figure = plt.figure(figsize=(14, 9.5), layout="constrained")
    top, bottom = figure.subfigures(2, 1, height_ratios=[1, 1.15])
    accuracy_ax, time_ax = top.subplots(1, 2)
    _bars(accuracy_ax, rows, "accuracy", "test accuracy")
    accuracy_ax.set_title("test accuracy: a linear classifier is as good as its features")
    _bars(time_ax, rows, "seconds", "training seconds (log scale)", log=True)
    time_ax.set_title("training time, features' computation included")

    filters_fig, bins_fig = bottom.subfigures(1, 2, width_ratios=[1.25, 1])
    weights = first_filters(cnn)
    angles, shares = filter_directions(weights)
    order = np.argsort(angles)
    columns = 8
    filter_axes = filters_fig.subplots(int(np.ceil(len(weights) / columns)), columns,
                                       squeeze=False).ravel()
    for ax in filter_axes:
        ax.set_axis_off()
    for ax, index in zip(filter_axes, order):
        w = weights[index]
        limit = np.abs(w).max() or 1.0
        ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
        theta = np.radians(angles[index])
        length = 1.1 * shares[index]  # an arrow as long as the filter is an edge detector
        ax.annotate("", xy=(1 + length * np.cos(theta), 1 + length * np.sin(theta)),
                    xytext=(1, 1), arrowprops=dict(arrowstyle="->", color="black", lw=1.5))
        ax.set_title(f"bin {int(angles[index] * bins / 180.0) + 1}: {int(angles[index])}°\n"
                     f"edge {shares[index]:.0%}", fontsize=8)
    filters_fig.suptitle("the CNN's learned first-layer 3×3 filters (red +, blue −), by the\n"
                         "gradient direction each detects (arrow: direction, its length: the "
                         "share that is an edge filter)", fontsize=10)

    bin_row, digit_row = bins_fig.subfigures(2, 1, height_ratios=[1, 1.6])
    centres = (np.arange(bins) + 0.5) * 180.0 / bins
    for number, (ax, angle) in enumerate(zip(bin_row.subplots(1, bins), centres), 1):
        ax.imshow(_edge_patch(angle), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_title(f"bin {number}\n{angle:.0f}°", fontsize=8)
        ax.set_axis_off()
    bin_row.suptitle(f"HOG's {bins} fixed gradient-direction bins (the edge each counts)",
                     fontsize=10)
    for ax, image in zip(digit_row.subplots(1, len(digits)), digits):
        _hog_glyphs(ax, image, cell, bins)
    digit_row.suptitle(f"HOG of test digits: per {cell}×{cell} cell, one line per bin "
                       "along its edge, long for strong edges", fontsize=10)
    return figure
