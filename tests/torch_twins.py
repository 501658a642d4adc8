"""Running one small program under stir and under PyTorch, for tests that compare the two."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def run_both(program: Callable[[Any], Any]) -> None:
    """Run program(lib) under stir and torch; compare every array it returns (the caller
    skips when PyTorch is absent)."""
    import stir
    import torch

    ours, theirs = program(stir), program(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
        b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
