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
        """Restore what `get_state()` gave; a ValueError (see `check_state`) changes nothing.

        >>> g = Generator(0)
        >>> saved = g.get_state()
        >>> first = g.numpy.random()
        >>> g.set_state(saved); g.numpy.random() == first
        True
        """
        check_state(state)
        self.numpy.bit_generator.state = state


#: The two 128-bit numbers of a PCG64 state, and the 32-bit buffered half of an output.
_STATE_RANGES = {"state": 2**128, "inc": 2**128}


def check_state(state: Any) -> None:
    """Raise ValueError unless `state` is a PCG64 state as `Generator.get_state()` gives it:
    {"bit_generator": "PCG64", "state": {"state": s, "inc": i}, "has_uint32": 0 or 1,
    "uinteger": u} with 0 <= s, i < 2**128 and 0 <= u < 2**32.

    >>> check_state({"bit_generator": "PCG64", "state": {"state": -1, "inc": 1},
    ...              "has_uint32": 0, "uinteger": 0})
    Traceback (most recent call last):
    ...
    ValueError: a PCG64 state's state must be an integer from 0 to 2**128 - 1, got -1
    """
    keys = {"bit_generator", "state", "has_uint32", "uinteger"}
    if not isinstance(state, dict) or set(state) != keys \
            or state["bit_generator"] != "PCG64" or not isinstance(state["state"], dict) \
            or set(state["state"]) != set(_STATE_RANGES):
        raise ValueError("a random state must be {'bit_generator': 'PCG64', 'state': "
                         "{'state': ..., 'inc': ...}, 'has_uint32': ..., 'uinteger': ...}")
    numbers = [(name, state["state"][name], limit) for name, limit in _STATE_RANGES.items()]
    numbers += [("has_uint32", state["has_uint32"], 2), ("uinteger", state["uinteger"], 2**32)]
    for name, value, limit in numbers:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not 0 <= value < limit:
            bound = f"2**{limit.bit_length() - 1} - 1" if limit > 2 else "1"
            raise ValueError(f"a PCG64 state's {name} must be an integer from 0 to {bound}, "
                             f"got {str(value)[:60]}")


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, which every random function uses unless given another."""
    return default_generator.manual_seed(seed)


def resolve(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator).numpy
