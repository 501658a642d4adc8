"""stir.plot: every picture renders, saves a non-blank PNG, and draws into given axes."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
import matplotlib.image  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import stir  # noqa: E402
import stir.analysis  # noqa: E402
import stir.nn.functional as F  # noqa: E402
import stir.plot  # noqa: E402
from stir import nn, optim  # noqa: E402
from stir.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def train(model, x, y, loss_fn, steps=60, lr=0.1):
    """A few full-batch Adam steps, enough for a picture that shows something."""
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return model


def seed_000_data(n, generator):
    xs = generator.random(n)
    return xs, np.cos(2 * xs + 20 * xs ** 2) + 0.1 * generator.standard_normal(n)


def two_moons(n=80):
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(angle), np.sin(angle)])
    lower = np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)])
    X = np.concatenate([upper, lower]) + 0.1 * rng.standard_normal((2 * n, 2))
    return X.astype(np.float32), np.repeat([0, 1], n)


def classifier(hidden, weight_decay, X, y, outputs=2):
    stir.manual_seed(0)
    model = nn.MLP([2, hidden, outputs])
    opt = optim.Adam(model.parameters(), lr=0.05, weight_decay=weight_decay)
    x, target = stir.tensor(X), stir.tensor(y)
    for _ in range(40):
        opt.zero_grad()
        scores = model(x)
        loss = (F.cross_entropy(scores, target) if outputs > 1 else
                F.binary_cross_entropy_with_logits(scores.reshape(-1),
                                                    stir.tensor(y.astype(np.float32))))
        loss.backward()
        opt.step()
    return model


def fitted_curve_model():
    rng = np.random.default_rng(0)
    xs, ys = seed_000_data(64, rng)
    stir.manual_seed(0)
    model = nn.MLP([1, 32, 32, 1])
    train(model, stir.tensor(xs.reshape(-1, 1).astype(np.float32)),
          stir.tensor(ys.reshape(-1, 1).astype(np.float32)), F.mse_loss, steps=150, lr=0.02)
    return model, xs, ys, *seed_000_data(64, rng)


def make_fit_curve(path, ax=None):
    model, xs, ys, xt, yt = fitted_curve_model()
    return stir.plot.fit_curve(model, xs, ys, xt, yt, title="MLP on seed 000", ax=ax, path=path)


def make_decision_boundary(path, ax=None):
    X, y = two_moons()
    return stir.plot.decision_boundary(classifier(16, 0.0, X, y), X, y, resolution=80, ax=ax,
                                       path=path)


def make_history(path, ax=None):
    history = History()
    for epoch in range(1, 11):
        history.append({"loss": 1 / epoch, "accuracy": 1 - 0.5 / epoch,
                        "val_loss": 1.2 / epoch, "val_accuracy": 1 - 0.6 / epoch, "lr": 0.1})
    return stir.plot.history_curves(history, ax=ax, path=path)


def make_surface(path, ax=None):
    return stir.plot.surface(lambda p: 1 - (p ** 2).sum(axis=1), resolution=30, ax=ax,
                             path=path)


def make_activations(path, ax=None):
    names = None if ax is None else ["relu"]
    return stir.plot.activations(names, ax=ax, path=path)


def make_capacity_grid(path, ax=None):
    X, y = two_moons(40)
    units, lambdas = (3, 6, 20), (0.001, 0.01, 0.1)
    models = [[classifier(h, lam, X, y) for lam in lambdas] for h in units]
    return stir.plot.capacity_grid(models, X, y, [f"{h} hidden units" for h in units],
                                   [f"λ = {lam}" for lam in lambdas], resolution=50,
                                   X_test=X[::2], y_test=y[::2], ax=ax, path=path)


def make_grid_warp(path, ax=None):
    layer = nn.Sequential(nn.Linear(2, 2, dtype=stir.float64), nn.ReLU())
    layer[0].weight.array[...] = [[1.0, -0.5], [0.5, 1.0]]
    layer[0].bias.array[...] = [0.2, -0.1]
    X = np.random.default_rng(0).uniform(-1.0, 1.0, size=(40, 2))
    with stir.no_grad():
        h = layer(stir.tensor(X)).array
    y = np.where(h.sum(axis=1) > 0.5, 1, -1)
    return stir.plot.grid_warp(layer, -1.0, 1.0, lines=9, X=X, y=y,
                               boundary=([1.0, 1.0], -0.5), ax=ax, path=path)


def make_loss_slices(path, ax=None):
    stir.manual_seed(0)
    model = nn.MLP([4, 16, 3])
    x, y = stir.randn(32, 4), stir.tensor(np.arange(32) % 3)
    curves = [stir.analysis.loss_slice(model, F.cross_entropy, x, y,
                                       alphas=np.linspace(-1, 1, 11),
                                       generator=stir.Generator(seed),
                                       normalization="filter")[1] for seed in (1, 2)]
    return stir.plot.loss_slices(np.linspace(-1, 1, 11), curves, ["direction 1", "direction 2"],
                                 ax=ax, path=path)


def make_keypoints(path, ax=None):
    net = stir.analysis.relu_network_from_keypoints([0.0, 0.36, 0.5, 0.82, 1.0],
                                                    [1.0, -0.4, 0.3, -1.0, 0.5])
    xs, ys = seed_000_data(64, np.random.default_rng(0))
    return stir.plot.keypoints(net, 0.0, 1.0, xs, ys, ax=ax, path=path)


# (maker, axes in its own figure, what to pass as ax=)
CASES = {
    "fit_curve": (make_fit_curve, 1, lambda: plt.subplots()[1]),
    "decision_boundary": (make_decision_boundary, 1, lambda: plt.subplots()[1]),
    "history_curves": (make_history, 2, lambda: plt.subplots(1, 2)[1]),
    "surface": (make_surface, 1, lambda: plt.subplots(subplot_kw={"projection": "3d"})[1]),
    "activations": (make_activations, len(stir.plot.DEFAULT_ACTIVATIONS),
                    lambda: plt.subplots()[1]),
    "capacity_grid": (make_capacity_grid, 9, lambda: plt.subplots(3, 3)[1]),
    "grid_warp": (make_grid_warp, 2, lambda: plt.subplots(1, 2)[1]),
    "loss_slices": (make_loss_slices, 1, lambda: plt.subplots()[1]),
    "keypoints": (make_keypoints, 1, lambda: plt.subplots()[1]),
}


@pytest.mark.parametrize("name", CASES)
def test_renders_a_png(name, tmp_path):
    maker, axes_count, _ = CASES[name]
    path = tmp_path / "new" / "dir" / f"{name}.png"
    fig = maker(path)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == axes_count
    assert path.stat().st_size > 5000
    pixels = matplotlib.image.imread(path)
    assert pixels[..., :3].std() > 0.05  # not a blank canvas


@pytest.mark.parametrize("name", CASES)
def test_draws_into_given_axes(name):
    maker, _, make_axes = CASES[name]
    ax = make_axes()
    fig = maker(None, ax=ax)
    assert fig is np.ravel(ax)[0].get_figure()
    assert all(a.has_data() for a in np.ravel(ax))


def test_history_accepts_a_plain_dict_and_one_axes():
    _, ax = plt.subplots()
    fig = stir.plot.history_curves({"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]}, ax=ax)
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    assert list(ax.lines[1].get_ydata()) == [3.5, 2.5, 2.0]
    assert len(fig.axes) == 1


def test_activation_derivatives_come_from_autograd():
    fig = stir.plot.activations(["relu", "sigmoid"], lo=-2.0, hi=2.0)
    relu_axes, sigmoid_axes = fig.axes
    xs, relu_grad = relu_axes.lines[-1].get_data()
    np.testing.assert_allclose(relu_grad[xs > 0.01], 1.0)
    np.testing.assert_allclose(relu_grad[xs < -0.01], 0.0)
    xs, sigmoid_grad = sigmoid_axes.lines[-1].get_data()
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(sigmoid_grad, s * (1 - s), atol=1e-12)


def test_keypoints_marks_the_breakpoints():
    net = stir.analysis.relu_network_from_keypoints([0.0, 0.25, 0.75, 1.0], [0, 1, -1, 0])
    ax = stir.plot.keypoints(net, 0.0, 1.0).axes[0]
    marked = ax.collections[0].get_offsets()
    np.testing.assert_allclose(marked[:, 0], [0.25, 0.75])
    np.testing.assert_allclose(marked[:, 1], [1.0, -1.0], atol=1e-12)


def test_keypoints_ticks_many_breakpoints_below_the_curve():
    rng = np.random.default_rng(0)
    xs = np.sort(rng.uniform(0.0, 1.0, 60))
    net = stir.analysis.relu_network_from_keypoints(xs, rng.standard_normal(60))
    data_x, data_y = seed_000_data(32, rng)
    ax = stir.plot.keypoints(net, 0.0, 1.0, data_x, data_y, max_markers=40).axes[0]
    data, rug = ax.collections
    np.testing.assert_allclose(rug.get_offsets()[:, 0], xs[1:-1])  # every kink, no ends
    # x in data, y in axes coordinates: along the axes' bottom, not on the curve
    assert rug.get_offset_transform() == ax.get_xaxis_transform()
    assert np.all(rug.get_offsets()[:, 1] < 0.1)
    curve, = ax.lines
    assert curve.get_zorder() > data.get_zorder() and data.get_sizes()[0] < 12


def test_grid_warp_carries_the_points_and_bends_the_boundary():
    def fold(p):
        return np.maximum(p, 0.0)

    X = np.array([[-0.5, 0.8], [0.7, -0.2], [0.9, 0.9], [-0.8, -0.8]])
    before, after = stir.plot.grid_warp(fold, X=X, y=[0, 0, 1, 0],
                                        boundary=([1.0, 1.0], -1.0)).axes
    class_0, class_1 = (c for c in after.collections if type(c) is PathCollection)
    np.testing.assert_allclose(class_0.get_offsets(), fold(X[[0, 1, 3]]))  # x drawn at f(x)
    np.testing.assert_allclose(class_1.get_offsets(), fold(X[[2]]))
    contour = before.collections[-1]  # {x : fold(x)₁ + fold(x)₂ = 1}, bent where a unit is 0
    vertices = np.concatenate([path.vertices for path in contour.get_paths()])
    np.testing.assert_allclose(fold(vertices).sum(axis=1), 1.0, atol=0.02)
    assert vertices[:, 0].min() < 0.0  # the part where x₁ < 0 is folded: there x₂ = 1
    np.testing.assert_allclose(vertices[vertices[:, 0] < -0.05, 1], 1.0, atol=0.02)


def test_capacity_grid_notes_training_and_test_accuracy():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    models = [[lambda p: p[:, :1] - 0.5, lambda p: p[:, 1:] - 0.5]]
    fig = stir.plot.capacity_grid(models, X, [0, 1, 0, 1], ["net"], ["x₁", "x₂"],
                                  resolution=10, X_test=X, y_test=[0, 1, 1, 0])
    assert [a.texts[0].get_text() for a in fig.axes] == ["train 1.00 · test 0.50",
                                                         "train 0.50 · test 1.00"]


def test_surfaces_with_one_zlim_share_height_and_colour():
    _, (left, right) = plt.subplots(1, 2, subplot_kw={"projection": "3d"})
    stir.plot.surface(lambda p: 1 - (p ** 2).sum(axis=1), zlim=(-1.0, 1.0), ax=left)
    stir.plot.surface(lambda p: 0.5 - p.sum(axis=1) / 4, zlim=(-1.0, 1.0), ax=right)
    for ax in (left, right):
        assert tuple(float(z) for z in ax.get_zlim()) == (-1.0, 1.0)
        norm = ax.collections[0].norm
        assert (norm.vmin, norm.vmax) == (-1.0, 1.0)


def test_one_output_classifier_uses_the_sign():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    ax = stir.plot.decision_boundary(lambda p: p[:, :1], X, [-1, 1], resolution=20).axes[0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["class -1", "class 1"]


@pytest.mark.parametrize("call, message", [
    (lambda: stir.plot.decision_boundary(np.sin, np.zeros((4, 3)), [0] * 4), r"\(n, 2\)"),
    (lambda: stir.plot.decision_boundary(np.sin, np.zeros((4, 2)), [0] * 3), "4 rows"),
    (lambda: stir.plot.fit_curve(np.sin, [0.0, 1.0], [0.0]), "2 x but 1 y"),
    (lambda: stir.plot.fit_curve(np.sin, [0.0], [0.0], x_test=[1.0]), "both x_test"),
    (lambda: stir.plot.surface(np.sin, ax=plt.subplots()[1]), "3-D axes"),
    (lambda: stir.plot.activations(["softmax"]), "not elementwise"),
    (lambda: stir.plot.activations(["relu", "tanh"], ax=plt.subplots()[1]), "needs 2 axes"),
    (lambda: stir.plot.capacity_grid([[np.sin]], np.zeros((2, 2)), [0, 1], ["a"], ["b", "c"]),
     "1 rows of 2"),
    (lambda: stir.plot.loss_slices([0.0, 1.0], [[1.0, 2.0]], ["a", "b"]), "2 labels"),
    (lambda: stir.plot.grid_warp(lambda p: p[:, :1]), r"\(n, 2\)"),
    (lambda: stir.plot.grid_warp(np.abs, X=np.zeros((2, 2))), "both X and y"),
    (lambda: stir.plot.grid_warp(np.abs, boundary=([1.0], 0.0)), "w of 2 numbers"),
    (lambda: stir.plot.surface(np.sin, zlim=(1.0, 0.0)), "z_lo < z_hi"),
    (lambda: stir.plot.capacity_grid([[np.sin]], np.zeros((2, 2)), [0, 1], ["a"], ["b"],
                                     X_test=np.zeros((2, 2))), "both X_test"),
    (lambda: stir.plot.history_curves({"lr": [0.1]}), "no loss"),
    (lambda: stir.plot.fit_curve("sin", [0.0], [0.0]), "Module or a function"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_missing_matplotlib_says_how_to_install(monkeypatch):
    # None in sys.modules makes `import matplotlib...` raise ImportError, as if not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError) as raised:
        stir.plot.fit_curve(np.sin, [0.0, 1.0], [0.0, 1.0])
    assert 'pip install "stir[plot]" (or matplotlib)' in str(raised.value)


def test_import_does_not_load_matplotlib():
    import subprocess
    code = "import sys, stir.plot; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
