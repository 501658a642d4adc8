"""Seed 000's keypoint widget: drag the keypoints of a piecewise-linear model, then train it.

The model is the linear interpolation of keypoints (x₀, y₀) < … < (xₙ₋₁, yₙ₋₁): the two ends
keep their x (they move up and down only, as the seed's fixed end points) and the others move
anywhere between them, sorted by x as they cross. It is also a ReLU network,
`stir.analysis.relu_network_from_keypoints`, which the widget shows weight by weight, and
"SGD from these weights" trains that network with `stir.optim.SGD` on the mean squared error,
redrawing the fit (the trained net's `stir.analysis.keypoints`) as it goes. The browser
only draws and reports drags: every number is computed here, by stir.
"""

from __future__ import annotations

import math
import pathlib
import time
from typing import Any, Sequence

import anywidget
import numpy as np
import traitlets

from .. import analysis
from ..grad_mode import no_grad
from ..nn import functional as F
from ..nn.layers import Sequential
from ..notebook import in_kernel
from ..optim import SGD
from ..random import Generator
from ..sampling import randint
from ..tensor import Tensor

_HERE = pathlib.Path(__file__).parent

#: Where seed 000 puts its six movable keypoints, as fractions of the x range.
SEED_X = (0.36, 0.5, 0.62, 0.74, 0.82, 0.95)


def _vector(name: str, values: Any) -> np.ndarray:
    """`values` as a 1-D finite float64 array, or a ValueError saying what is wrong."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"Keypoints: {name} must be a 1-D sequence of numbers") from None
    if array.ndim == 2 and 1 in array.shape:
        array = array.reshape(-1)  # a column or a row of a design matrix is still 1-D data
    if array.ndim != 1:
        raise ValueError(f"Keypoints: {name} must be 1-D; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Keypoints: {name} has {int(np.sum(~np.isfinite(array)))} "
                         f"non-finite values (NaN or inf)")
    return array


def _pairs(name: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = _vector(f"{name} x", x), _vector(f"{name} y", y)
    if x.size != y.size:
        raise ValueError(f"Keypoints: {name} x and y must have the same length; got "
                         f"{x.size} and {y.size}")
    return x, y


def _check_points(points: Any) -> np.ndarray:
    """Keypoints as an (n, 2) float64 array with n ≥ 2, distinct end x, all finite."""
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("Keypoints: points must be a sequence of (x, y) pairs") from None
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 2:
        raise ValueError(f"Keypoints: points must be at least 2 (x, y) pairs; got an array "
                         f"of shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"Keypoints: points must be finite; got {array.tolist()}")
    if array[:, 0].min() == array[:, 0].max():
        raise ValueError("Keypoints: the points need two different x (the two ends)")
    return array


def _ordered(array: np.ndarray) -> np.ndarray:
    """The ends first and last (smallest and largest x), the others in between, kept in
    their own order: the front end keeps dragging the same handle while it crosses others."""
    first, last = int(np.argmin(array[:, 0])), int(np.argmax(array[:, 0]))
    middle = [i for i in range(len(array)) if i not in (first, last)]
    return array[[first, *middle, last]]


def _end_value(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """The mean of the training y at the 1/32 of the training x nearest to `at`."""
    nearest = np.argsort(np.abs(x - at), kind="stable")[:max(1, x.size // 32)]
    return float(np.mean(y[nearest]))


def _fit_points(handles: np.ndarray) -> np.ndarray:
    """The keypoints the fit goes through: sorted by x, strictly increasing.

    A keypoint at (almost) the x of one before it, or of the right end, would be a jump,
    which no continuous piecewise-linear function makes: the fit skips it.
    """
    lo, hi = handles[0, 0], handles[-1, 0]
    tolerance = 1e-9 * (hi - lo)
    kept = [handles[0]]
    for point in handles[1:-1][np.argsort(handles[1:-1, 0], kind="stable")]:
        if point[0] - kept[-1][0] > tolerance and hi - point[0] > tolerance:
            kept.append(point)
    kept.append(handles[-1])
    return np.array(kept)


def _as_column(values: np.ndarray) -> Tensor:
    return Tensor(values.reshape(-1, 1))


class Keypoints(anywidget.AnyWidget):
    """Seed 000's piecewise-linear model as a widget: drag keypoints, read the MSE, train.

    The fit is h(x) = linear interpolation of the keypoints, continued as straight lines past
    the ends; its training error is MSE = (1/n) Σᵢ (h(xᵢ) − yᵢ)², as the seed's title shows.
    x, y are the training data (1-D, same length), x_test, y_test the optional test data.
    `points` are the keypoints as (x, y) pairs; by default the ends sit at the data's x range
    (at the mean of the nearest training y) with six keypoints between them where seed 000
    puts its sliders. The two ends keep their x.

    >>> import numpy as np
    >>> import stir.widgets
    >>> widget = stir.widgets.Keypoints([0.0, 1.0, 2.0], [0.0, 2.0, 0.0],
    ...                                 points=[(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)])
    >>> widget.train_mse                       # misses the middle point by 1
    0.3333333333333333
    >>> widget.move(1, y=2.0).train_mse        # keypoint 1 onto it
    0.0
    >>> widget.network(stir.tensor([[0.5]], dtype=stir.float64)).item()
    1.0
    """

    _esm = _HERE / "keypoints.js"
    _css = _HERE / "keypoints.css"

    # The state the front end draws (written here) and the handles it moves (written there).
    handles = traitlets.List().tag(sync=True)
    x_range = traitlets.List().tag(sync=True)
    y_range = traitlets.List().tag(sync=True)
    train_data = traitlets.List().tag(sync=True)
    test_data = traitlets.List().tag(sync=True)
    curve = traitlets.List().tag(sync=True)
    train_mse = traitlets.Float().tag(sync=True)
    test_mse = traitlets.Float(None, allow_none=True).tag(sync=True)
    line_mse = traitlets.List().tag(sync=True)
    weights = traitlets.Dict().tag(sync=True)
    architecture = traitlets.Unicode().tag(sync=True)
    # SGD is stable only while lr < 2/(largest curvature), which grows with the square of the
    # slope changes: 3e-4 keeps a hand-made fit of seed 000's data (kinks of ±50) improving.
    steps = traitlets.Int(2000).tag(sync=True)
    lr = traitlets.Float(3e-4).tag(sync=True)
    status = traitlets.Unicode("Drag a keypoint, or train the network from these weights.") \
        .tag(sync=True)
    training = traitlets.Bool(False).tag(sync=True)

    #: Seconds between the frames of `train` in a kernel, so that the fit is seen to move.
    FRAME_SECONDS = 0.04

    def __init__(self, x: Any, y: Any, x_test: Any = None, y_test: Any = None,
                 points: Any = None, **kwargs: Any) -> None:
        x, y = _pairs("training", x, y)
        if x.size < 1:
            raise ValueError("Keypoints: the training data is empty")
        if (x_test is None) != (y_test is None):
            raise ValueError("Keypoints: give both x_test and y_test, or neither")
        has_test = x_test is not None
        x_test, y_test = _pairs("test", x_test, y_test) if has_test else (np.empty(0),) * 2
        all_x, all_y = np.concatenate([x, x_test]), np.concatenate([y, y_test])
        if points is None:
            lo, hi = float(all_x.min()), float(all_x.max())
            if lo == hi:
                raise ValueError(f"Keypoints: all x are {lo}; give points to set the x range")
            low, high = float(all_y.min()), float(all_y.max())
            middle = [(lo + (hi - lo) * f, high - (high - low) * (i + 1) / 7)
                      for i, f in enumerate(SEED_X)]
            points = [(lo, _end_value(x, y, lo)), *middle, (hi, _end_value(x, y, hi))]
        handles = _ordered(_check_points(points))
        super().__init__(**kwargs)
        self._x, self._y = _as_column(x), _as_column(y)
        self._test = (_as_column(x_test), _as_column(y_test)) if has_test else None
        self._quiet = False  # True while `train` writes the handles it computed itself
        self._network: Sequential  # built through the handles by `_on_handles`
        self._initial = handles
        spread = max(float(np.ptp(np.concatenate([all_y, handles[:, 1]]))), 1e-12)
        low = min(float(all_y.min()), float(handles[:, 1].min()))
        high = max(float(all_y.max()), float(handles[:, 1].max()))
        with self.hold_sync():
            self.train_data = [x.tolist(), y.tolist()]
            self.test_data = [x_test.tolist(), y_test.tolist()]
            self.y_range = [low - 0.1 * spread, high + 0.1 * spread]
            self.line_mse = self._line_mse(x, y, x_test, y_test)
            self._set_handles(handles)
        self.on_msg(self._on_message)

    # -- the Python API ------------------------------------------------------------------

    def __repr__(self) -> str:  # what a notebook shows where widgets do not render
        test = "" if self.test_mse is None else f", test MSE {self.test_mse:.4g}"
        return f"Keypoints({len(self.handles)} points, train MSE {self.train_mse:.4g}{test})"

    @property
    def points(self) -> list[tuple[float, float]]:
        """The keypoints (x, y), sorted by x; the first and last are the ends."""
        handles = np.array(self.handles, dtype=np.float64)
        order = [0, *(1 + np.argsort(handles[1:-1, 0], kind="stable")), len(handles) - 1]
        return [(float(px), float(py)) for px, py in handles[order]]

    @points.setter
    def points(self, points: Any) -> None:
        self._set_handles(_ordered(_check_points(points)))

    @property
    def network(self) -> Sequential:
        """The ReLU network the widget shows: Linear(1 => d), ReLU, Linear(d => 1).

        It equals the linear interpolation of `points` on [x₀, xₙ₋₁]; `train` trains it in
        place. Changing its weights by hand does not redraw the widget.
        """
        return self._network

    def move(self, index: int, x: float | None = None, y: float | None = None) -> Keypoints:
        """Move keypoint `index` of `points` to (x, y) (None keeps that coordinate); returns
        the widget. The ends keep their x; the others stay strictly between the ends."""
        points = self.points
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not -len(points) <= index < len(points):
            raise IndexError(f"Keypoints.move: index must be an integer from 0 to "
                             f"{len(points) - 1}; got {index!r}")
        index = int(index) % len(points)
        old_x, old_y = points[index]
        new_x = old_x if x is None else float(x)
        new_y = old_y if y is None else float(y)
        if not (math.isfinite(new_x) and math.isfinite(new_y)):
            raise ValueError(f"Keypoints.move: x and y must be finite; got ({x}, {y})")
        lo, hi = points[0][0], points[-1][0]
        if index in (0, len(points) - 1):
            if new_x != old_x:
                raise ValueError(f"Keypoints.move: keypoint {index} is an end; its x stays "
                                 f"{old_x} (move its y only)")
        elif not lo < new_x < hi:
            raise ValueError(f"Keypoints.move: x must be strictly between the ends {lo} and "
                             f"{hi}; got {new_x}")
        points[index] = (new_x, new_y)
        self.points = points
        return self

    def reset(self) -> Keypoints:
        """Back to the keypoints the widget started with (a fresh network through them)."""
        self._set_handles(self._initial)
        self.status = "Back to the starting keypoints."
        return self

    def train(self, steps: int | None = None, lr: float | None = None,
              batch_size: int | None = None, every: int | None = None,
              generator: Generator | None = None, animate: bool | None = None) -> list[float]:
        """SGD from the network's current weights on the training MSE, redrawing the fit.

        Each step is θ ← θ − lr·∇θ (1/m) Σ (h(xᵢ) − yᵢ)² over a batch of m training points
        (all of them when batch_size is None, else m = batch_size drawn uniformly with
        replacement from `generator`, as seed 000 draws one point per step). `steps` and
        `lr` default to the widget's boxes. Every `every` steps (default: 40 frames in all)
        the keypoints, curve, weights and MSEs are redrawn from the trained network, pausing
        FRAME_SECONDS when `animate` (default: in a kernel). Returns the training MSE after
        each frame. If the loss stops being finite the weights of the last frame are kept
        and a FloatingPointError says so.
        """
        steps = self.steps if steps is None else steps
        lr = self.lr if lr is None else lr
        for name, value in (("steps", steps), ("batch_size", batch_size), ("every", every)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, np.integer)) or value < 1):
                raise ValueError(f"Keypoints.train: {name} must be a positive integer; "
                                 f"got {value!r}")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or \
                not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"Keypoints.train: lr must be a positive number; got {lr!r}")
        every = every or max(1, steps // 40)
        animate = in_kernel() if animate is None else animate
        optimizer = SGD(self._network.parameters(), lr=float(lr))
        start, frames = self.train_mse, []
        saved, saved_step = self._saved_weights(), 0
        self.training = True
        try:
            for step in range(1, steps + 1):
                x, y = self._batch(batch_size, generator)
                optimizer.zero_grad()
                loss = F.mse_loss(self._network(x), y)
                if not math.isfinite(float(loss.item())):
                    self._diverged(step, lr, saved, saved_step)
                loss.backward()
                optimizer.step()
                if step % every == 0 or step == steps:
                    if not self._show_network():
                        self._diverged(step, lr, saved, saved_step)
                    self.status = f"SGD step {step} of {steps}, lr = {lr:g}"
                    frames.append(self.train_mse)
                    saved, saved_step = self._saved_weights(), step
                    if animate:
                        time.sleep(self.FRAME_SECONDS)
        finally:
            self.training = False
        self.status = f"Trained {steps} SGD steps with lr = {lr:g}." + (
            f" The training MSE rose ({start:.4f} → {self.train_mse:.4f}): try a smaller lr."
            if self.train_mse > start else "")
        return frames

    def _diverged(self, step: int, lr: float, saved: list[np.ndarray], saved_step: int) -> None:
        self._restore_weights(saved)
        self._show_network()
        self.status = (f"SGD diverged at step {step} (lr = {lr:g}); kept the weights of step "
                       f"{saved_step}. Try a smaller lr.")
        raise FloatingPointError(f"Keypoints.train: {self.status}")

    # -- what the front end sends ----------------------------------------------------------

    @traitlets.validate("handles")
    def _valid_handles(self, proposal: dict[str, Any]) -> list[list[float]]:
        """A drag may leave the plot: pin the ends' x and keep every handle inside it."""
        try:
            handles = np.array(proposal["value"], dtype=np.float64)
        except (TypeError, ValueError):
            raise traitlets.TraitError("Keypoints.handles must be (x, y) pairs") from None
        if handles.ndim != 2 or handles.shape[1] != 2 or len(handles) < 2 \
                or not np.all(np.isfinite(handles)):
            raise traitlets.TraitError(f"Keypoints.handles must be at least 2 finite (x, y) "
                                       f"pairs; got {proposal['value']!r}")
        if self.x_range:
            lo, hi = self.x_range
            handles[0, 0], handles[-1, 0] = lo, hi
            handles[1:-1, 0] = np.clip(handles[1:-1, 0], lo, hi)
        if self.y_range:
            handles[:, 1] = np.clip(handles[:, 1], *self.y_range)
        return handles.tolist()

    @traitlets.observe("handles")
    def _on_handles(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            fit = _fit_points(np.array(change["new"], dtype=np.float64))
            self._network = analysis.relu_network_from_keypoints(fit[:, 0], fit[:, 1])
            self._publish(fit[:, 0], fit[:, 1])

    def _on_message(self, widget: Any, content: dict[str, Any], buffers: Any) -> None:
        """Button presses of the front end; errors become the status line, as nobody reads
        the kernel's log."""
        action = content.get("action") if isinstance(content, dict) else None
        try:
            if action == "train" and not self.training:
                self.train()
            elif action == "reset" and not self.training:
                self.reset()
        except (ValueError, FloatingPointError) as error:
            self.status = str(error)

    # -- helpers ---------------------------------------------------------------------------

    def _set_handles(self, handles: np.ndarray) -> None:
        """New keypoints from Python: the x range follows their ends, the y range widens to
        keep them on the plot, and the network is rebuilt through them."""
        with self.hold_sync():
            self.x_range = [float(handles[0, 0]), float(handles[-1, 0])]
            low, high = self.y_range
            self.y_range = [min(low, float(handles[:, 1].min())),
                            max(high, float(handles[:, 1].max()))]
            self.handles = handles.tolist()

    def _batch(self, batch_size: int | None, generator: Generator | None
               ) -> tuple[Tensor, Tensor]:
        if batch_size is None:
            return self._x, self._y
        rows = randint(0, self._x.shape[0], (batch_size,), generator=generator).array
        return Tensor(self._x.array[rows]), Tensor(self._y.array[rows])

    def _saved_weights(self) -> list[np.ndarray]:
        return [parameter.array.copy() for parameter in self._network.parameters()]

    def _restore_weights(self, saved: list[np.ndarray]) -> None:
        for parameter, array in zip(self._network.parameters(), saved):
            parameter.array[...] = array

    def _show_network(self) -> bool:
        """Redraw from the (trained) network, its keypoints becoming the handles; False, and
        nothing redrawn, if its MSE is not finite (JSON, and so the browser, has no inf)."""
        errors = self._mses()
        if not all(math.isfinite(error) for error in errors if error is not None):
            return False
        lo, hi = self.x_range
        xs, ys = analysis.keypoints(self._network, lo, hi)
        self._quiet = True
        try:
            with self.hold_sync():
                low, high = self.y_range
                self.y_range = [min(low, float(ys.min())), max(high, float(ys.max()))]
                self.handles = np.stack([xs, ys], axis=1).tolist()
                self._publish(xs, ys, errors)
        finally:
            self._quiet = False
        return True

    def _mses(self) -> tuple[float, float | None]:
        """The network's training and test MSE (None without test data), computed by stir."""
        with no_grad():
            train = float(F.mse_loss(self._network(self._x), self._y).item())
            if self._test is None:
                return train, None
            return train, float(F.mse_loss(self._network(self._test[0]), self._test[1]).item())

    def _publish(self, curve_x: np.ndarray, curve_y: np.ndarray,
                 errors: tuple[float, float | None] | None = None) -> None:
        """The curve, the MSEs and the network's weights, as the front end draws them."""
        hidden, _, output = list(self._network)
        with self.hold_sync():
            self.curve = [np.asarray(curve_x).tolist(), np.asarray(curve_y).tolist()]
            self.train_mse, self.test_mse = errors or self._mses()
            self.weights = {
                "hidden_weight": hidden.weight.array.reshape(-1).tolist(),
                "hidden_bias": hidden.bias.array.reshape(-1).tolist(),
                "output_weight": output.weight.array.reshape(-1).tolist(),
                "output_bias": float(output.bias.array.reshape(-1)[0]),
            }
            width = hidden.weight.shape[0]
            count = sum(parameter.numel() for parameter in self._network.parameters())
            self.architecture = (f"Linear(1 => {width}) → ReLU → Linear({width} => 1), "
                                 f"{count} parameters")

    @staticmethod
    def _line_mse(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
                  ) -> list[float]:
        """Seed 000's baseline: the least-squares line's training (and test) MSE."""
        design = np.stack([x, np.ones_like(x)], axis=1)
        (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
        errors = [float(np.mean((a * x + b - y) ** 2))]
        if x_test.size:
            errors.append(float(np.mean((a * x_test + b - y_test) ** 2)))
        return errors
