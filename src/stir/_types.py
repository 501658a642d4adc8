"""The array aliases every signature uses, defined once.

Only type checkers read them (every module has `from __future__ import annotations`), so
numpy.typing, slow to import, is imported for them alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.generic]
    DTypeLike = npt.DTypeLike
else:
    Array = Any
    DTypeLike = Any

Shape = tuple[int, ...]
Scalar = Union[int, float, bool]
