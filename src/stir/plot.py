"""Pictures of the seed experiments with matplotlib (the optional `plot` extra).

Every function takes the data or model, an optional `ax` to draw into (else it makes its own
figure), an optional `path` to save a PNG at (directories are created), and returns the
matplotlib Figure. matplotlib is imported on first use, so `import stir.plot` works without
it; drawing then raises ImportError saying: pip install "stir[plot]" (or matplotlib).
Figures are built with the object API; the only pyplot call is `plt.subplots`, so close them
with `plt.close(fig)` when you make many.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

import stir
import stir.analysis
from stir.nn import Module, make_activation

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Model = Module | Callable[..., Any]

#: What to run to get the figures.
INSTALL_HINT = 'pip install "stir[plot]" (or matplotlib)'
# Every activation that maps each number alone and needs no learnable parameter.
DEFAULT_ACTIVATIONS = ("identity", "step", "sign", "sigmoid", "tanh", "relu", "leaky_relu",
                       "very_leaky_relu", "elu", "softplus", "centered_softplus", "gelu", "silu")


def _pyplot(saving: bool = False) -> Any:
    """matplotlib.pyplot, imported now; Agg is chosen only to save on a machine with no display."""
    try:
        import matplotlib
        headless = sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        # Before pyplot picks a backend, so the user's choice is never overridden afterwards.
        if saving and headless and "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"stir.plot needs matplotlib: {INSTALL_HINT}") from error
    return plt


def _axes(ax: Any, count: int, function: str, saving: bool, ncols: int = 1,
          **subplot_kw: Any) -> tuple[Figure, list[Axes]]:
    """The figure and `count` axes: the given ones (one Axes or an array of them), else new."""
    plt = _pyplot(saving)
    if ax is None:
        nrows = math.ceil(count / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows),
                                 squeeze=False, subplot_kw=subplot_kw or None,
                                 layout="constrained")
        flat = list(grid.ravel())
        for extra in flat[count:]:
            fig.delaxes(extra)
        from .display import figures  # shown once in a notebook: see _finish

        figures.made(fig)
        return fig, flat[:count]
    flat = list(np.ravel(np.array(ax, dtype=object)))
    if len(flat) != count:
        raise ValueError(f"stir.plot.{function}: needs {count} axes, got {len(flat)}")
    return flat[0].get_figure(), flat


def available() -> bool:
    """Whether matplotlib is installed, so that figures can be drawn.

    >>> isinstance(available(), bool)
    True
    """
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write `figure` as a PNG at `path` (making its folder) and close it; returns the path.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "figures", "curve.png")
    >>> if available():
    ...     figure = activations(["relu"])
    ...     assert save(figure, path).exists()
    """
    path = Path(path)
    _finish(figure, path)
    _pyplot().close(figure)
    return path


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    """Save the figure as a PNG at `path` (making its directory) when a path is given.

    In a Jupyter kernel with the inline backend, a figure made here leaves pyplot and is
    shown once, as the cell's value or after the cell (stir.display.figures); elsewhere
    it stays with pyplot, for plt.show()."""
    from .display import figures

    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100, bbox_inches="tight")
    figures.finished(fig, saved=path is not None)
    return fig


def _legend_below(ax: Axes) -> None:
    """A legend under the axes: scattered data leaves no empty corner inside for one."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize="small")


def _predict(model: Model, inputs: np.ndarray) -> np.ndarray:
    """model(inputs) as a float64 array: a Module gets a tensor in its parameters' dtype, a
    plain function gets the NumPy array."""
    if isinstance(model, Module):
        parameter = next(iter(model.parameters()), None)
        dtype = parameter.dtype if parameter is not None else np.float32
        with stir.no_grad():
            output = model(stir.tensor(np.asarray(inputs, dtype=dtype)))
    elif callable(model):
        output = model(inputs)
    else:
        raise TypeError(f"stir.plot: expected a stir.nn.Module or a function, got "
                        f"{type(model).__name__}")
    return np.asarray(getattr(output, "data", output), dtype=np.float64)


def _curve(model: Model, xs: np.ndarray) -> np.ndarray:
    """A 1-D model on xs: a Module sees a column (n, 1), a function the 1-D array."""
    inputs = xs.reshape(-1, 1) if isinstance(model, Module) else xs
    return _predict(model, inputs).reshape(-1)


def _vector(values: Any, name: str, function: str) -> np.ndarray:
    """values as a 1-D float64 array, or a ValueError naming them."""
    array = np.asarray(getattr(values, "data", values), dtype=np.float64)
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise ValueError(f"stir.plot.{function}: {name} must be 1-D, got shape {array.shape}")
    return array


def fit_curve(model_or_fn: Model, x_train: Any, y_train: Any, x_test: Any = None,
              y_test: Any = None, lo: float | None = None, hi: float | None = None,
              title: str = "Fit", ax: Axes | None = None,
              path: str | os.PathLike[str] | None = None) -> Figure:
    """A 1-D model's curve over [lo, hi] with the training (and test) points, as in seed 000.

    The legend gives each set's mean squared error (1/n)·Σ (f(xᵢ) - yᵢ)².

    >>> import numpy as np, stir.plot
    >>> xs = np.linspace(0, 1, 20)
    >>> fig = stir.plot.fit_curve(np.sin, xs, np.sin(xs))
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, 'Fit')
    """
    x_train = _vector(x_train, "x_train", "fit_curve")
    y_train = _vector(y_train, "y_train", "fit_curve")
    sets = [("training data", x_train, y_train)]
    if (x_test is None) != (y_test is None):
        raise ValueError("stir.plot.fit_curve: give both x_test and y_test, or neither")
    if x_test is not None:
        sets.append(("test data", _vector(x_test, "x_test", "fit_curve"),
                     _vector(y_test, "y_test", "fit_curve")))
    for name, xs, ys in sets:
        if xs.shape != ys.shape:
            raise ValueError(f"stir.plot.fit_curve: {name} has {xs.size} x but {ys.size} y")
    everything = np.concatenate([xs for _, xs, _ in sets])
    lo = float(everything.min()) if lo is None else float(lo)
    hi = float(everything.max()) if hi is None else float(hi)
    fig, (ax,) = _axes(ax, 1, "fit_curve", path is not None)
    for name, xs, ys in sets:
        error = np.mean((_curve(model_or_fn, xs) - ys) ** 2)
        ax.scatter(xs, ys, s=14, alpha=0.7, label=f"{name} (MSE {error:.4g})")
    dense = np.linspace(lo, hi, 500)
    ax.plot(dense, _curve(model_or_fn, dense), color="black", linewidth=2, label="model")
    ax.set(title=title, xlabel="x", ylabel="y")
    _legend_below(ax)
    return _finish(fig, path)


def _classes(model: Model, points: np.ndarray) -> np.ndarray:
    """The predicted class of each point: argmax of the outputs, or (output > 0) for one."""
    scores = _predict(model, points)
    if scores.ndim == 1 or scores.shape[1] == 1:
        return (scores.reshape(-1) > 0).astype(np.int64)
    return scores.argmax(axis=1)


def _draw_regions(ax: Axes, model: Model, X: np.ndarray, y: np.ndarray,
                  resolution: int) -> None:
    """Class regions of `model` over the data's bounding box (padded) and the points on top."""
    from matplotlib.colors import ListedColormap
    labels, y_index = np.unique(y, return_inverse=True)
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    (x_lo, y_lo), (x_hi, y_hi) = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(x_lo, x_hi, resolution),
                                 np.linspace(y_lo, y_hi, resolution))
    predicted = _classes(model, np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    count = max(len(labels), int(predicted.max()) + 1)
    colours = ListedColormap([f"C{k % 10}" for k in range(count)])
    ax.contourf(grid_x, grid_y, predicted.reshape(grid_x.shape), levels=np.arange(count + 1) - 0.5,
                cmap=colours, alpha=0.3)
    for k, label in enumerate(labels):
        chosen = y_index == k
        ax.scatter(X[chosen, 0], X[chosen, 1], s=16, color=f"C{k % 10}", edgecolors="black",
                   linewidths=0.4, label=f"class {label}")
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))


def _points(X: Any, y: Any, function: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) as arrays, checking X is (n, 2) with one label per row."""
    X = np.asarray(getattr(X, "data", X), dtype=np.float64)
    y = np.asarray(getattr(y, "data", y)).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"stir.plot.{function}: X must have shape (n, 2), got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"stir.plot.{function}: X has {X.shape[0]} rows but y has {y.size}")
    return X, y


def decision_boundary(model: Model, X: Any, y: Any, resolution: int = 200,
                      title: str = "Decision regions", ax: Axes | None = None,
                      path: str | os.PathLike[str] | None = None) -> Figure:
    """A 2-D classifier's regions, class(x) = argmax_k f(x)_k (or f(x) > 0 for one output),
    with the points coloured by their class.

    >>> import numpy as np, stir.plot
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> fig = stir.plot.decision_boundary(lambda p: p[:, :1] - 0.5, X, [0, 1], resolution=20)
    >>> len(fig.axes)
    1
    """
    X, y = _points(X, y, "decision_boundary")
    fig, (ax,) = _axes(ax, 1, "decision_boundary", path is not None)
    _draw_regions(ax, model, X, y, resolution)
    ax.set(title=title, xlabel="x₁", ylabel="x₂")
    ax.legend(loc="best", fontsize="small")
    return _finish(fig, path)


def history_curves(history: Any, ax: Axes | Sequence[Axes] | None = None,
                   path: str | os.PathLike[str] | None = None) -> Figure:
    """Loss and metric curves per epoch from a stir.training History or a dict of lists.

    One panel for "loss" (with "val_loss") and one per metric (with its "val_" twin); "lr" is
    left out. Give one Axes to draw every curve together, or one Axes per panel.

    >>> import stir.plot
    >>> fig = stir.plot.history_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7],
    ...                                 "accuracy": [0.5, 0.9]})
    >>> [a.get_title() for a in fig.axes]
    ['loss', 'accuracy']
    """
    columns = {key: list(history[key]) for key in history.keys()}
    panels = [key for key in columns
              if key != "lr" and not (key.startswith("val_") and key[4:] in columns)]
    if not panels:
        raise ValueError("stir.plot.history_curves: the history has no loss or metric values")
    together = ax is not None and len(np.ravel(np.array(ax, dtype=object))) == 1
    fig, axes = _axes(ax, 1 if together else len(panels), "history_curves", path is not None,
                      ncols=min(len(panels), 3))
    for index, key in enumerate(panels):
        target = axes[0] if together else axes[index]
        for name in (key, f"val_{key}"):
            if name in columns:
                values = columns[name]
                epochs = getattr(history, "epochs", None) or range(1, len(values) + 1)
                target.plot(list(epochs), values, marker="o" if len(values) < 30 else None,
                            markersize=3, label=name)
        target.set(xlabel="epoch", title="training history" if together else key)
        target.legend(loc="best", fontsize="small")
    return _finish(fig, path)


def surface(fn_or_model: Model, lo: Sequence[float] = (0.0, 0.0),
            hi: Sequence[float] = (1.0, 1.0), resolution: int = 50, title: str = "",
            zlim: tuple[float, float] | None = None, ax: Axes | None = None,
            path: str | os.PathLike[str] | None = None) -> Figure:
    """The 3-D surface z = f(x₁, x₂) over the box [lo, hi]; f maps (n, 2) points to n values.

    `zlim` = (z_lo, z_hi) fixes both the z axis and the colour scale, so that surfaces drawn
    with the same zlim compare by height and by colour (else each spans its own range).
    Seed 001 fits the paraboloid f(x) = 1 - |x|², drawn here:

    >>> import stir.plot
    >>> fig = stir.plot.surface(lambda p: 1 - (p ** 2).sum(axis=1), resolution=10,
    ...                         zlim=(-1.0, 1.0))
    >>> fig.axes[0].name, [float(z) for z in fig.axes[0].get_zlim()]
    ('3d', [-1.0, 1.0])
    """
    from matplotlib.colors import Normalize

    (x_lo, y_lo), (x_hi, y_hi) = np.broadcast_to(lo, (2,)), np.broadcast_to(hi, (2,))
    if ax is not None and getattr(ax, "name", "") != "3d":
        raise ValueError("stir.plot.surface: ax must be a 3-D axes "
                         "(fig.add_subplot(projection='3d'))")
    if zlim is not None and not (len(zlim) == 2 and float(zlim[0]) < float(zlim[1])):
        raise ValueError(f"stir.plot.surface: zlim must be (z_lo, z_hi) with z_lo < z_hi, "
                         f"got {zlim!r}")
    fig, (ax,) = _axes(ax, 1, "surface", path is not None, projection="3d")
    grid_x, grid_y = np.meshgrid(np.linspace(x_lo, x_hi, resolution),
                                 np.linspace(y_lo, y_hi, resolution))
    values = _predict(fn_or_model, np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    if values.size != grid_x.size:
        raise ValueError(f"stir.plot.surface: f must give one value per point; for "
                         f"{grid_x.size} points it gave shape {tuple(values.shape)}")
    norm = None if zlim is None else Normalize(float(zlim[0]), float(zlim[1]))
    ax.plot_surface(grid_x, grid_y, values.reshape(grid_x.shape), cmap="viridis", norm=norm,
                    linewidth=0, antialiased=True)
    ax.set(title=title, xlabel="x₁", ylabel="x₂", zlabel="f(x)")
    if zlim is not None:
        ax.set_zlim(float(zlim[0]), float(zlim[1]))
    return _finish(fig, path)


def activations(names: Sequence[str] | None = None, lo: float = -4.0, hi: float = 4.0,
                ax: Axes | Sequence[Axes] | None = None,
                path: str | os.PathLike[str] | None = None) -> Figure:
    """Each activation σ (solid) and its derivative σ' (dashed), one panel per name.

    σ' comes from stir's autograd: x requires grad, σ(x).sum().backward(), σ' = x.grad.
    Default names: DEFAULT_ACTIVATIONS (parameter-free and elementwise).

    >>> import stir.plot
    >>> fig = stir.plot.activations(["relu", "tanh"])
    >>> [a.get_title() for a in fig.axes]
    ['relu', 'tanh']
    """
    names = list(DEFAULT_ACTIVATIONS if names is None else names)
    fig, axes = _axes(ax, len(names), "activations", path is not None,
                      ncols=min(len(names), 4))
    xs = np.linspace(lo, hi, 401)
    for target, name in zip(axes, names):
        if name.lower().replace("_", "") in ("softmax", "logsoftmax"):
            raise ValueError(f"stir.plot.activations: {name} is not elementwise, so it has no "
                             "curve or derivative to draw")
        module = make_activation(name)
        x = stir.tensor(xs, dtype=stir.float64, requires_grad=True)
        output = module(x)
        output.sum().backward()
        target.axhline(0, color="grey", linewidth=0.5)
        target.axvline(0, color="grey", linewidth=0.5)
        target.plot(xs, output.array, linewidth=2, label="σ(x)")
        target.plot(xs, x.grad.array, linestyle="--", label="σ'(x)")
        target.set_title(name)
    axes[0].legend(loc="upper left", fontsize="small")
    return _finish(fig, path)


def capacity_grid(models: Sequence[Sequence[Model]], X: Any, y: Any, rows: Sequence[str],
                  cols: Sequence[str], resolution: int = 100, X_test: Any = None,
                  y_test: Any = None, ax: Sequence[Sequence[Axes]] | None = None,
                  path: str | os.PathLike[str] | None = None) -> Figure:
    """A grid of decision regions, models[i][j] in row `rows[i]` and column `cols[j]`.

    Seed 003 sweeps 3/6/20 hidden units (rows) against λ = 0.001/0.01/0.1 (columns). Each
    panel notes its training accuracy, and with (X_test, y_test) its test accuracy too (the
    share of points whose predicted class is their label); only the training points are drawn.

    >>> import numpy as np, stir.plot
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> cut = [[lambda p, t=t: p[:, :1] - t for t in (0.3, 0.7)]]
    >>> fig = stir.plot.capacity_grid(cut, X, [0, 1], ["net"], ["a", "b"], resolution=10,
    ...                               X_test=X, y_test=[0, 0])
    >>> len(fig.axes), fig.axes[0].texts[0].get_text()
    (2, 'train 1.00 · test 0.50')
    """
    X, y = _points(X, y, "capacity_grid")
    if (X_test is None) != (y_test is None):
        raise ValueError("stir.plot.capacity_grid: give both X_test and y_test, or neither")
    if X_test is not None:
        X_test, y_test = _points(X_test, y_test, "capacity_grid")
    shape = (len(rows), len(cols))
    if len(models) != shape[0] or any(len(row) != shape[1] for row in models):
        raise ValueError(f"stir.plot.capacity_grid: models must be {shape[0]} rows of "
                         f"{shape[1]} (one per label), got rows of "
                         f"{[len(row) for row in models]}")
    fig, axes = _axes(ax, shape[0] * shape[1], "capacity_grid", path is not None,
                      ncols=shape[1])
    labels = np.unique(y)  # class k of _classes is labels[k], as the regions colour them

    def accuracy(model: Model, inputs: np.ndarray, truth: np.ndarray) -> float:
        predicted = _classes(model, inputs)
        named = labels[np.minimum(predicted, len(labels) - 1)]
        return float(np.mean((predicted < len(labels)) & (named == truth)))

    for index, target in enumerate(axes):
        i, j = divmod(index, shape[1])
        _draw_regions(target, models[i][j], X, y, resolution)
        note = f"train {accuracy(models[i][j], X, y):.2f}"
        if X_test is not None:
            note += f" · test {accuracy(models[i][j], X_test, y_test):.2f}"
        target.text(0.98, 0.02, note, transform=target.transAxes, ha="right", va="bottom",
                    fontsize="small", bbox={"facecolor": "white", "alpha": 0.8,
                                            "edgecolor": "none", "pad": 2})
        target.set(xticks=[], yticks=[])
        if i == 0:
            target.set_title(cols[j])
        if j == 0:
            target.set_ylabel(rows[i])
    axes[0].legend(loc="upper left", fontsize="x-small")
    return _finish(fig, path)


def grid_warp(layer_fn: Model, lo: float | Sequence[float] = -1.0,
              hi: float | Sequence[float] = 1.0, lines: int = 11, X: Any = None,
              y: Any = None, boundary: tuple[Sequence[float], float] | None = None,
              ax: Sequence[Axes] | None = None,
              path: str | os.PathLike[str] | None = None) -> Figure:
    """A square grid on [lo, hi]² (left) and its image under a 2 → 2 map h = f(x) (right),
    such as x ↦ ReLU(Wx + b): seed 003's space warping.

    With points X (n, 2) and labels y, each point is drawn, coloured by its class, at x on
    the left and at f(x) on the right. With `boundary` = (w, c), the line w·h + c = 0 is drawn
    on the right and the same set {x : w·f(x) + c = 0}, bent by f, on the left; each side is
    shaded in the colour of the class it predicts (w·h + c > 0: the larger label). Without
    points the horizontal grid lines are blue and the vertical ones orange; with them the grid
    is grey, so that the class colours stand out.

    >>> import numpy as np, stir.plot
    >>> fig = stir.plot.grid_warp(lambda p: np.maximum(p, 0), lines=5)
    >>> [a.get_title() for a in fig.axes]
    ['input space x', 'hidden space h = f(x)']
    >>> X = np.array([[-0.5, -0.5], [0.5, 0.5]])
    >>> fig = stir.plot.grid_warp(lambda p: np.maximum(p, 0), X=X, y=[0, 1],
    ...                           boundary=([1.0, 1.0], -0.5))
    >>> len(fig.axes[1].collections) >= 3  # two classes of points and the shaded sides
    True
    """
    from matplotlib.colors import ListedColormap

    (x_lo, y_lo), (x_hi, y_hi) = np.broadcast_to(lo, (2,)), np.broadcast_to(hi, (2,))
    if (X is None) != (y is None):
        raise ValueError("stir.plot.grid_warp: give both X and y, or neither")
    if X is not None:
        X, y = _points(X, y, "grid_warp")
    if boundary is not None:
        normal, offset = np.asarray(boundary[0], dtype=np.float64), float(boundary[1])
        if normal.shape != (2,):
            raise ValueError(f"stir.plot.grid_warp: boundary must be (w, c) with w of 2 "
                             f"numbers, for the line w·h + c = 0; got w of shape {normal.shape}")

    def image_of(points: np.ndarray) -> np.ndarray:
        image = _predict(layer_fn, points)
        if image.shape != points.shape:
            raise ValueError(f"stir.plot.grid_warp: the map must send (n, 2) points to "
                             f"(n, 2), got {tuple(image.shape)} for {tuple(points.shape)}")
        return image

    fig, (before, after) = _axes(ax, 2, "grid_warp", path is not None, ncols=2)
    grey = X is not None or boundary is not None
    along = np.linspace(0.0, 1.0, 200)
    for level in np.linspace(0.0, 1.0, lines):
        for colour, (u, v) in ((("0.45" if grey else "C0"), (along, np.full_like(along, level))),
                               (("0.7" if grey else "C1"), (np.full_like(along, level), along))):
            points = np.column_stack([x_lo + u * (x_hi - x_lo), y_lo + v * (y_hi - y_lo)])
            image = image_of(points)
            for target, drawn in ((before, points), (after, image)):
                target.plot(drawn[:, 0], drawn[:, 1], color=colour, linewidth=0.8, zorder=1)
    if X is not None:
        hidden = image_of(X)
        for k, label in enumerate(np.unique(y)):
            chosen = y == label
            for target, drawn in ((before, X), (after, hidden)):
                target.scatter(drawn[chosen, 0], drawn[chosen, 1], s=14, color=f"C{k % 10}",
                               edgecolors="black", linewidths=0.3, zorder=3,
                               label=f"class {label}" if target is before else None)
    if boundary is not None:
        # Both sides as regions: straight in h, and pulled back through f, bent in x.
        sides = ListedColormap(["C0", "C1"])
        h_lo, h_hi = after.get_xlim(), after.get_ylim()
        for target, (first, second), through in ((before, ((x_lo, x_hi), (y_lo, y_hi)), True),
                                                 (after, (h_lo, h_hi), False)):
            grid_u, grid_v = np.meshgrid(np.linspace(*first, 300), np.linspace(*second, 300))
            points = np.column_stack([grid_u.ravel(), grid_v.ravel()])
            score = ((image_of(points) if through else points) @ normal + offset).reshape(
                grid_u.shape)
            target.contourf(grid_u, grid_v, (score > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                            cmap=sides, alpha=0.18, zorder=0)
            target.contour(grid_u, grid_v, score, levels=[0.0], colors="black",
                           linewidths=1.5, linestyles="dashed", zorder=2)
            target.set(xlim=first, ylim=second)
        line = f"{normal[0]:.3g}·h₁ + {normal[1]:.3g}·h₂ + {offset:.3g}".replace("+ -", "- ")
        before.plot([], [], "k--", label="the same line, seen in x")
        after.plot([], [], "k--", label=f"{line} = 0")
    before.set(title="input space x", xlabel="x₁", ylabel="x₂", aspect="equal")
    after.set(title="hidden space h = f(x)", xlabel="h₁", ylabel="h₂", aspect="equal")
    for target in (before, after) if grey else ():
        if target.get_legend_handles_labels()[0]:
            _legend_below(target)
    return _finish(fig, path)


def loss_slices(alphas: Any, losses_list: Sequence[Any], labels: Sequence[str] | None = None,
                title: str = "Loss along a direction", ax: Axes | None = None,
                path: str | os.PathLike[str] | None = None) -> Figure:
    """Curves L(θ + α·d) against α, from stir.analysis.loss_slice; `alphas` is one array
    shared by all curves or one array per curve.

    >>> import numpy as np, stir.plot
    >>> a = np.linspace(-1, 1, 5)
    >>> fig = stir.plot.loss_slices(a, [a ** 2, 2 * a ** 2], ["sharp", "sharper"])
    >>> len(fig.axes[0].lines)
    3
    """
    curves = [_vector(losses, "each losses array", "loss_slices") for losses in losses_list]
    try:
        shared = np.asarray(alphas, dtype=np.float64)
    except ValueError:  # ragged: one array per curve
        shared = None
    alphas_list = ([shared] * len(curves) if shared is not None and shared.ndim == 1
                   else [_vector(a, "alphas", "loss_slices") for a in alphas])
    labels = list(labels) if labels is not None else [f"slice {k}" for k in range(len(curves))]
    if not len(alphas_list) == len(labels) == len(curves):
        raise ValueError(f"stir.plot.loss_slices: {len(curves)} loss curves, "
                         f"{len(alphas_list)} alpha arrays and {len(labels)} labels")
    fig, (ax,) = _axes(ax, 1, "loss_slices", path is not None)
    for a, losses, label in zip(alphas_list, curves, labels):
        if a.shape != losses.shape:
            raise ValueError(f"stir.plot.loss_slices: {label!r} has {losses.size} losses for "
                             f"{a.size} alphas")
        ax.plot(a, losses, marker="o", markersize=3, label=label)
    ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
    ax.set(title=title, xlabel="α (step along d)", ylabel="loss")
    ax.legend(loc="best", fontsize="small")
    return _finish(fig, path)


def keypoints(model: Module, lo: float, hi: float, x: Any = None, y: Any = None,
              title: str = "ReLU network and its keypoints", max_markers: int = 40,
              ax: Axes | None = None, path: str | os.PathLike[str] | None = None) -> Figure:
    """A 1-D ReLU network on [lo, hi] with its breakpoints (stir.analysis.breakpoints, where
    the slope changes) marked, and optionally data points (x, y), as seed 000's widget draws it.

    The curve is drawn over small, light data points. Up to `max_markers` breakpoints are
    marked on the curve; more (a trained sum of 1024 ReLUs has hundreds in [0, 1]) are
    ticks along the bottom of the axes, which show where the pieces are without hiding them.

    >>> import stir.analysis, stir.plot
    >>> net = stir.analysis.relu_network_from_keypoints([0.0, 0.5, 1.0], [0.0, 1.0, 0.0])
    >>> fig = stir.plot.keypoints(net, 0.0, 1.0)
    >>> len(fig.axes[0].lines), fig.axes[0].collections[0].get_offsets().tolist()
    (1, [[0.5, 1.0]])
    """
    kx, ky = stir.analysis.keypoints(model, lo, hi)
    inner_x, inner_y = kx[1:-1], ky[1:-1]  # without lo and hi, which are no breakpoints
    fig, (ax,) = _axes(ax, 1, "keypoints", path is not None)
    if x is not None:
        ax.scatter(_vector(x, "x", "keypoints"), _vector(y, "y", "keypoints"), s=8,
                   color="C0", alpha=0.35, linewidths=0, zorder=1, label="data")
    ax.plot(kx, ky, color="black", linewidth=1.6, zorder=3, label="network")
    label = f"breakpoints ({inner_x.size})"
    if inner_x.size <= max_markers:
        ax.scatter(inner_x, inner_y, s=28, color="C3", edgecolors="white", linewidths=0.6,
                   zorder=4, label=label)
    else:  # x in data, y in axes coordinates: a rug in a strip of its own below the data
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom - 0.1 * (top - bottom), top)
        ax.scatter(inner_x, np.full_like(inner_x, 0.035), s=30, marker="|", color="C3",
                   linewidths=0.6, alpha=0.6, transform=ax.get_xaxis_transform(), zorder=2,
                   label=f"{label}, ticked below")
    ax.set(title=title, xlabel="x", ylabel="y")
    _legend_below(ax)
    return _finish(fig, path)


__all__ = [
    "DEFAULT_ACTIVATIONS", "INSTALL_HINT", "activations", "available", "capacity_grid", "decision_boundary", "fit_curve",
    "grid_warp", "history_curves", "keypoints", "loss_slices", "save", "surface",
]
