"""Feature transforms of seed 003: polar coordinates, colour histograms, and histograms of
oriented gradients (HOG). A linear classifier on such features draws non-linear boundaries in
the original space. NumPy only, vectorised; images may come one at a time or as a batch.

Images are arrays of shape (H, W, 3) (RGB) or (H, W) (grey), height first, as NumPy and
image libraries store them, so a "320x240" (width × height) picture has shape (240, 320, 3).
uint8 images are read as values / 255; float images are used as they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._types import Array

COLOUR_MODES = ("hue", "rgb", "channels")


def polar(X: Any) -> Array:
    """(x, y) ↦ (r, θ) with r = (x² + y²)^(1/2) and θ = tan⁻¹(y/x), taken in the right
    quadrant (np.arctan2), so θ ∈ (-π, π]. Works on any array whose last axis has length 2.

    >>> polar(np.array([[3.0, 4.0], [0.0, -2.0]])).round(4)
    array([[ 5.    ,  0.9273],
           [ 2.    , -1.5708]])
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iuf" or X.ndim == 0 or X.shape[-1] != 2:
        raise ValueError(
            f"polar: expected points (x, y) along the last axis, shape (..., 2), of real "
            f"numbers; got shape {X.shape} of dtype {X.dtype}"
        )
    x, y = X[..., 0], X[..., 1]
    return np.stack([np.hypot(x, y), np.arctan2(y, x)], axis=-1)


def _float_image(image: Any, where: str) -> Array:
    """The image as floats: uint8 scaled by 1/255 to float32, floats kept; finite only."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255)
    if image.dtype.kind != "f":
        raise TypeError(
            f"{where}: images must be uint8 (0-255) or floating point, got dtype {image.dtype}"
        )
    if not np.isfinite(image).all():
        raise ValueError(f"{where}: the image contains NaN or infinity")
    return image


def _rgb_batch(image: Any, where: str) -> tuple[Array, bool]:
    """(images of shape (N, H, W, 3), uint8 or float in [0, 1]; whether one image came in)."""
    rgb = np.asarray(image)
    if rgb.dtype != np.uint8:
        rgb = _float_image(rgb, where)
        if rgb.size and (rgb.min() < 0 or rgb.max() > 1):
            raise ValueError(
                f"{where}: float images must have values in [0, 1], got {rgb.min()} to "
                f"{rgb.max()} (divide 0-255 values by 255, or pass uint8)"
            )
    if rgb.ndim not in (3, 4) or rgb.shape[-1] != 3:
        raise ValueError(
            f"{where}: expected an RGB image of shape (H, W, 3) or a batch (N, H, W, 3), got "
            f"shape {tuple(rgb.shape)}"
        )
    single = rgb.ndim == 3
    return (rgb[None] if single else rgb), single


def colour_histogram(
    image: Any, bins: int = 12, mode: str = "hue", normalize: bool = True
) -> Array:
    """A histogram of the image's colours: which colours, in what amounts, ignoring where.

    mode="hue": `bins` equal sectors of the colour wheel (hue 0°-360°, starting at red), each
        pixel counted with weight chroma = max(R,G,B) - min(R,G,B), so greys, whose hue is
        undefined, count for nothing; length `bins`.
    mode="rgb": the RGB cube cut into bins³ equal boxes; length bins³, index
        (r·bins + g)·bins + b of the box indices r, g, b.
    mode="channels": one histogram of `bins` equal ranges per channel, R then G then B;
        length 3·bins.

    With `normalize` each histogram (each channel's, in "channels" mode) sums to 1, or is all
    0 if nothing was counted, so images of any size compare. Takes an
    (H, W, 3) image or an (N, H, W, 3) batch (then returns one row per image).

    >>> red_and_green = np.array([[[255, 0, 0], [0, 255, 0]]], dtype=np.uint8)
    >>> colour_histogram(red_and_green, bins=6)
    array([0.5, 0. , 0.5, 0. , 0. , 0. ])
    >>> colour_histogram(red_and_green, bins=2, mode="channels")
    array([0.5, 0.5, 0.5, 0.5, 1. , 0. ])
    """
    if mode not in COLOUR_MODES:
        raise ValueError(f"colour_histogram: mode must be one of {COLOUR_MODES}, got {mode!r}")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"colour_histogram: bins must be a positive integer, got {bins!r}")
    rgb, single = _rgb_batch(image, "colour_histogram")
    n = len(rgb)
    pixels = rgb.reshape(n, -1, 3)
    image_index = np.arange(n)[:, None]
    is_uint8 = pixels.dtype == np.uint8
    if mode == "hue":
        # In float64 from the raw values: hue is a ratio, so 0-255 values give it exactly.
        hue, chroma = _hue(pixels.astype(np.float64))
        sector = np.minimum((hue * (bins / 360.0)).astype(np.intp), bins - 1)
        weights = chroma / 255.0 if is_uint8 else chroma
        flat, length = image_index * bins + sector, bins
    else:
        # Value x in [0, 1] goes to box ⌊x·bins⌋, x = 1 to the top box; for uint8, x = v/255
        # and the box is computed in integers, so values on a boundary land exactly.
        if is_uint8:
            box = np.minimum(pixels.astype(np.intp) * bins // 255, bins - 1)
        else:
            box = np.minimum((pixels * bins).astype(np.intp), bins - 1)
        if mode == "rgb":
            code = (box[..., 0] * bins + box[..., 1]) * bins + box[..., 2]
            flat, weights, length = image_index * bins**3 + code, None, bins**3
        else:
            code = box + np.arange(3) * bins  # channel c's bins start at c·bins
            flat, weights, length = image_index[..., None] * 3 * bins + code, None, 3 * bins
    histogram = np.bincount(
        flat.ravel(), weights=None if weights is None else weights.ravel(), minlength=n * length
    ).reshape(n, length).astype(np.float64)
    if normalize:
        parts = histogram.reshape(n, 3 if mode == "channels" else 1, -1)  # a view
        total = parts.sum(axis=2, keepdims=True)
        parts /= np.where(total > 0, total, 1.0)
    return histogram[0] if single else histogram


def _hue(pixels: Array) -> tuple[Array, Array]:
    """HSV hue in degrees [0, 360) and chroma of RGB values in [0, 1] (last axis R, G, B)."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    largest, chroma = pixels.max(axis=-1), np.ptp(pixels, axis=-1)
    safe = np.where(chroma > 0, chroma, 1)
    # The sextant formula: which channel is largest decides the 120° third of the wheel.
    hue = np.where(
        largest == r, np.mod((g - b) / safe, 6), np.where(largest == g, (b - r) / safe + 2,
                                                          (r - g) / safe + 4)
    )
    hue = np.where(chroma > 0, hue * 60.0, 0.0)
    return np.where(hue >= 360, hue - 360, hue), chroma


def _image_batch(image: Any, where: str) -> tuple[Array, bool]:
    """(images of shape (N, H, W, C), whether a single image came in)."""
    pixels = _float_image(image, where)
    if pixels.ndim == 2:
        return pixels[None, :, :, None], True
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        return pixels[None], True
    if pixels.ndim == 4 and pixels.shape[-1] in (1, 3):
        return pixels, False
    raise ValueError(
        f"{where}: expected a grey image (H, W), an RGB image (H, W, 3) or a batch "
        f"(N, H, W, 1 or 3), got shape {tuple(pixels.shape)}"
    )


def hog(
    image: Any, cell_size: int = 8, bins: int = 9, normalize: bool = False, flatten: bool = True
) -> Array:
    """Histogram of oriented gradients: each cell_size × cell_size cell's histogram of edge
    directions, weighted by edge strength (seed 003's three steps).

    1. At each pixel, gradients by centred differences gx = I(x+1) - I(x-1), gy likewise (0
       on the border); strength |g| = (gx² + gy²)^(1/2) and unsigned direction
       θ = tan⁻¹(gy/gx) mod 180° in [0°, 180°). In colour, the channel with the strongest
       gradient at that pixel is used.
    2. The image is cut into cells of cell_size × cell_size pixels (rows or columns left over
       at the bottom and right edges are dropped).
    3. Each cell sums |g| into `bins` direction bins of 180°/bins each, centred at
       (k + ½)·180°/bins; a direction between two centres splits its vote linearly between
       them (wrapping from the last bin to the first).

    With `normalize`, each cell's histogram is divided by its L2 norm (plus 1e-6). The
    features are ordered (cell row, cell column, bin): a (240, 320) image (320x240 in width ×
    height) has 30 × 40 cells and 30 · 40 · 9 = 10 800 numbers, as in the seed. A batch
    (N, H, W, C) gives one row per image; flatten=False keeps shape (rows, columns, bins).

    >>> ramp = np.tile(np.arange(16.0), (16, 1))  # brightness grows left to right
    >>> features = hog(ramp, flatten=False)
    >>> features.shape, features[0, 0].round(2)
    ((2, 2, 9), array([56.,  0.,  0.,  0.,  0.,  0.,  0.,  0., 56.]))
    """
    for name, value in (("cell_size", cell_size), ("bins", bins)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"hog: {name} must be a positive integer, got {value!r}")
    pixels, single = _image_batch(image, "hog")
    n, height, width, _ = pixels.shape
    rows, columns = height // cell_size, width // cell_size
    if rows == 0 or columns == 0:
        raise ValueError(
            f"hog: an image of {height} × {width} pixels holds no {cell_size} × {cell_size} cell"
        )
    gx = np.zeros_like(pixels)
    gy = np.zeros_like(pixels)
    gx[:, :, 1:-1] = pixels[:, :, 2:] - pixels[:, :, :-2]
    gy[:, 1:-1] = pixels[:, 2:] - pixels[:, :-2]
    strength = np.hypot(gx, gy)
    if pixels.shape[-1] > 1:
        strongest = strength.argmax(axis=-1)[..., None]
        gx, gy, strength = (np.take_along_axis(a, strongest, -1) for a in (gx, gy, strength))
    # Only whole cells count: crop, then drop the channel axis (one channel is left).
    crop = (slice(None), slice(0, rows * cell_size), slice(0, columns * cell_size), 0)
    gx, gy, strength = gx[crop], gy[crop], strength[crop]
    direction = np.mod(np.degrees(np.arctan2(gy, gx)), 180.0)
    direction[direction >= 180.0] = 0.0  # mod can round a tiny negative angle up to 180
    position = direction * (bins / 180.0) - 0.5  # in bin widths, from the first bin's centre
    lower = np.floor(position)
    upper_share = position - lower
    lower_bin = np.mod(lower.astype(np.intp), bins)
    upper_bin = np.mod(lower_bin + 1, bins)
    cell = (
        (np.arange(n)[:, None, None] * rows + np.arange(rows * cell_size)[:, None] // cell_size)
        * columns
        + np.arange(columns * cell_size) // cell_size
    )
    size = n * rows * columns * bins
    histogram = np.bincount(
        (cell * bins + lower_bin).ravel(), (strength * (1 - upper_share)).ravel(), size
    ) + np.bincount((cell * bins + upper_bin).ravel(), (strength * upper_share).ravel(), size)
    histogram = histogram.reshape(n, rows, columns, bins).astype(pixels.dtype, copy=False)
    if normalize:
        histogram = histogram / (np.linalg.norm(histogram, axis=-1, keepdims=True) + 1e-6)
    if flatten:
        histogram = histogram.reshape(n, -1)
    return histogram[0] if single else histogram
