"""Random numbers: a seedable `Generator` and the default one that `manual_seed` resets."""

from __future__ import annotations

from typing import Any

import numpy as np


class Generator:
    """A source of random numbers with its own state (NumPy's PCG64 underneath).

    >>> import stir
    >>> g = stir.Generator().manual_seed(0)
    >>> a = stir.randn(3, generator=g)
    >>> b = stir.randn(3, generator=stir.Generator().manual_seed(0))
    >>> bool((a == b).all())
    True
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._numpy: np.random.Generator | None = None

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator underneath, made on first use (importing numpy.random takes
        as long as a third of `import numpy`, which `import stir` need not pay)."""
        if self._numpy is None:
            self._numpy = np.random.default_rng(self._seed)
        return self._numpy

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from `seed`; returns the generator for chaining."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"a seed must be an int, got {type(seed).__name__}")
        self._seed, self._numpy = int(seed), None
        return self

    def __repr__(self) -> str:
        return f"Generator(seed={self._seed!r})"

    def get_state(self) -> dict[str, Any]:
        """The full state, as plain data (for checkpoints)."""
        return self.numpy.bit_generator.state

    def set_state(self, state: dict[str, Any]) -> None:
        self.numpy.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, which every random function uses unless given another."""
    return default_generator.manual_seed(seed)


def resolve(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).numpy
