"""The array aliases every signature uses, defined once."""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.generic]
Shape = tuple[int, ...]
DTypeLike = npt.DTypeLike
Scalar = Union[int, float, bool]
