"""stir.features: polar coordinates, colour histograms, histograms of oriented gradients."""

import colorsys

import numpy as np
import pytest

from stir.features import colour_histogram, hog, polar


# --- polar ---------------------------------------------------------------------------------

def test_polar_radius_and_angle_in_every_quadrant():
    points = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [0.0, -4.0], [1.0, 1.0], [-1, -1]])
    expected = [[1, 0], [2, np.pi / 2], [3, np.pi], [4, -np.pi / 2], [np.sqrt(2), np.pi / 4],
                [np.sqrt(2), -3 * np.pi / 4]]
    np.testing.assert_allclose(polar(points), expected, rtol=1e-15, atol=1e-15)


def test_polar_inverts_to_the_original_points_and_keeps_leading_axes():
    rng = np.random.default_rng(0)
    points = rng.standard_normal((4, 5, 2))
    r, theta = np.moveaxis(polar(points), -1, 0)
    np.testing.assert_allclose(np.stack([r * np.cos(theta), r * np.sin(theta)], -1), points,
                               atol=1e-14)


def test_polar_makes_circles_linearly_separable():
    # The seed's picture: two rings are split by a line r = const in feature space.
    rng = np.random.default_rng(1)
    angle = rng.uniform(-np.pi, np.pi, 200)
    radius = np.r_[rng.uniform(0, 1, 100), rng.uniform(2, 3, 100)]
    features = polar(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
    assert features[:100, 0].max() < 1.5 < features[100:, 0].min()


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((4, 3)), np.array([["a", "b"]])])
def test_polar_rejects_points_that_are_not_pairs(bad):
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        polar(bad)


# --- colour histogram ----------------------------------------------------------------------

def random_image(shape=(12, 9, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("dtype, bins", [(np.uint8, 12), (np.uint8, 7), (np.float64, 7),
                                         (np.float32, 10)])
def test_hue_histogram_matches_colorsys_weighted_by_chroma(dtype, bins):
    rng = np.random.default_rng(bins)
    image = (random_image(seed=bins) if dtype == np.uint8
             else rng.random((12, 9, 3)).astype(dtype))
    scale = 255.0 if dtype == np.uint8 else 1.0
    expected = np.zeros(bins)
    for r, g, b in image.reshape(-1, 3).astype(np.float64) / scale:
        hue, _, _ = colorsys.rgb_to_hsv(r, g, b)
        expected[min(int(hue * bins), bins - 1)] += max(r, g, b) - min(r, g, b)
    np.testing.assert_allclose(colour_histogram(image, bins=bins, normalize=False), expected,
                               rtol=1e-6)
    normalized = colour_histogram(image, bins=bins)
    np.testing.assert_allclose(normalized, expected / expected.sum(), rtol=1e-6)


def test_rgb_and_channel_histograms_match_numpy_histograms():
    image = random_image(seed=2)
    pixels = image.reshape(-1, 3) / 255.0
    joint, _ = np.histogramdd(pixels, bins=(4, 4, 4), range=[(0, 1)] * 3)
    np.testing.assert_allclose(colour_histogram(image, bins=4, mode="rgb", normalize=False),
                               joint.ravel())
    # Exact boundaries: 51/255 = 0.2 goes to the second of 5 boxes. np.histogram's float
    # edges can misplace such values (it puts 153/255 below 0.6), so count in integers.
    values = image.reshape(-1, 3).astype(int)
    channels = np.concatenate([np.bincount(np.minimum(values[:, c] * 5 // 255, 4), minlength=5)
                               for c in range(3)])
    np.testing.assert_allclose(colour_histogram(image, bins=5, mode="channels", normalize=False),
                               channels)


@pytest.mark.parametrize("mode, length", [("hue", 7), ("rgb", 343), ("channels", 21)])
def test_colour_histogram_lengths_and_batches(mode, length):
    images = random_image((3, 6, 5, 3), seed=3)
    batch = colour_histogram(images, bins=7, mode=mode)
    assert batch.shape == (3, length)
    for image, row in zip(images, batch):
        np.testing.assert_allclose(colour_histogram(image, bins=7, mode=mode), row)
    sums = batch.reshape(3, 3 if mode == "channels" else 1, -1).sum(axis=2)
    np.testing.assert_allclose(sums, 1.0)


def test_primary_colours_land_in_their_hue_bins_and_grey_counts_nothing():
    primaries = np.array([[[255, 0, 0], [255, 255, 0], [0, 255, 0], [0, 255, 255], [0, 0, 255],
                           [255, 0, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(colour_histogram(primaries, bins=6, normalize=False), np.ones(6))
    grey = np.full((4, 4, 3), 128, dtype=np.uint8)
    np.testing.assert_array_equal(colour_histogram(grey, bins=6), np.zeros(6))


BAD_IMAGES = [
    (np.zeros((4, 4)), ValueError, "RGB image"),
    (np.zeros((4, 4, 4)), ValueError, "RGB image"),
    (np.full((2, 2, 3), 2.0), ValueError, r"\[0, 1\]"),
    (np.zeros((2, 2, 3), dtype=np.int32), TypeError, "uint8"),
    (np.full((2, 2, 3), np.nan), ValueError, "NaN"),
]


@pytest.mark.parametrize("image, error, message", BAD_IMAGES)
def test_colour_histogram_rejects_bad_images(image, error, message):
    with pytest.raises(error, match=message):
        colour_histogram(image)


def test_colour_histogram_rejects_bad_settings():
    with pytest.raises(ValueError, match="mode"):
        colour_histogram(random_image(), mode="hsv")
    with pytest.raises(ValueError, match="bins"):
        colour_histogram(random_image(), bins=0)


# --- histogram of oriented gradients ------------------------------------------------------

def reference_hog(image, cell_size=8, bins=9):
    """One pixel at a time, straight from the definition (grey images)."""
    height, width = image.shape
    rows, columns = height // cell_size, width // cell_size
    histogram = np.zeros((rows, columns, bins))
    width_degrees = 180.0 / bins
    for i in range(rows * cell_size):
        for j in range(columns * cell_size):
            gx = image[i, j + 1] - image[i, j - 1] if 0 < j < width - 1 else 0.0
            gy = image[i + 1, j] - image[i - 1, j] if 0 < i < height - 1 else 0.0
            strength = np.hypot(gx, gy)
            angle = np.degrees(np.arctan2(gy, gx)) % 180.0
            position = angle / width_degrees - 0.5
            lower = int(np.floor(position))
            share = position - lower
            histogram[i // cell_size, j // cell_size, lower % bins] += strength * (1 - share)
            histogram[i // cell_size, j // cell_size, (lower + 1) % bins] += strength * share
    return histogram


@pytest.mark.parametrize("shape, cell_size, bins", [((16, 24), 8, 9), ((13, 10), 4, 6),
                                                    ((9, 9), 3, 4)])
def test_hog_matches_a_pixel_by_pixel_reference(shape, cell_size, bins):
    image = np.random.default_rng(sum(shape)).random(shape)
    expected = reference_hog(image, cell_size, bins)
    np.testing.assert_allclose(hog(image, cell_size, bins, flatten=False), expected, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(hog(image, cell_size, bins), expected.ravel(), rtol=1e-10,
                               atol=1e-12)


def test_hog_of_a_320x240_image_has_10_800_numbers():
    image = random_image((240, 320, 3))  # width 320, height 240: 40 × 30 cells of 8 × 8
    features = hog(image)
    assert features.shape == (10_800,) == (30 * 40 * 9,)
    assert hog(image, flatten=False).shape == (30, 40, 9)


@pytest.mark.parametrize("angle, expected_bin", [(0, 0), (45, 2), (90, 4), (135, 6), (30, 1)])
def test_hog_puts_an_edge_direction_in_its_bin(angle, expected_bin):
    # A linear ramp rising along direction `angle`: every gradient points that way, so each
    # cell's votes go to the bins around angle / 20°, unsigned (angle and angle + 180 agree).
    rows, columns = np.mgrid[0:24, 0:24].astype(float)
    theta = np.radians(angle)
    for sign in (1, -1):
        ramp = sign * (columns * np.cos(theta) + rows * np.sin(theta))
        cell = hog(ramp, flatten=False)[1, 1]  # an interior cell: no border zeros
        position = angle / 20.0 - 0.5
        lower = int(np.floor(position))
        expected = np.zeros(9)
        expected[lower % 9] += 1 - (position - lower)
        expected[(lower + 1) % 9] += position - lower
        np.testing.assert_allclose(cell / cell.sum(), expected, atol=1e-9)
        assert cell.sum() == pytest.approx(64 * 2.0)  # 64 pixels of strength 2 (step 1 each way)
        assert expected[expected_bin] >= 0.5


def test_hog_colour_uses_the_strongest_channel_and_batches_agree():
    rng = np.random.default_rng(4)
    image = rng.random((16, 16, 3))
    # A colour image whose only varying channel is green has the HOG of that channel.
    only_green = np.zeros_like(image)
    only_green[..., 1] = image[..., 1]
    np.testing.assert_allclose(hog(only_green), hog(image[..., 1]), rtol=1e-12)
    # A steep ramp in red beats a gentle one in blue at every pixel.
    rows, columns = np.mgrid[0:16, 0:16].astype(float)
    mixed = np.stack([(columns + rows) / 15, np.zeros((16, 16)), rows / 150], axis=-1)
    np.testing.assert_allclose(hog(mixed), hog(mixed[..., 0]), rtol=1e-12)
    batch = np.stack([image, only_green, mixed])
    np.testing.assert_allclose(hog(batch), np.stack([hog(image), hog(only_green), hog(mixed)]),
                               rtol=1e-12)
    assert hog(image[None, ..., :1]).shape == (1, 36)


def test_hog_normalized_cells_have_unit_norm_and_uint8_is_scaled():
    image = random_image((16, 16, 3))
    normalized = hog(image, normalize=True, flatten=False)
    np.testing.assert_allclose(np.linalg.norm(normalized, axis=-1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(hog(image), hog(image.astype(np.float32) / 255), rtol=1e-5)
    assert hog(image).dtype == np.float32


BAD_HOG = [
    (np.zeros((4, 4)), {}, ValueError, "no 8 × 8 cell"),
    (np.zeros((16, 16, 2)), {}, ValueError, r"batch"),
    (np.zeros((16, 16)), {"bins": 0}, ValueError, "bins"),
    (np.zeros((16, 16)), {"cell_size": 2.5}, ValueError, "cell_size"),
    (np.zeros((16, 16), dtype=np.int64), {}, TypeError, "uint8"),
]


@pytest.mark.parametrize("image, options, error, message", BAD_HOG)
def test_hog_rejects_bad_input(image, options, error, message):
    with pytest.raises(error, match=message):
        hog(image, **options)
