"""Random numbers: a seedable `Generator`, and the default one that `manual_seed` resets.

As in PyTorch, a new `Generator()` starts from the fixed seed 67280421310721, so it gives
the same numbers in every run until `manual_seed` or `seed` changes it; the default
generator starts from a fresh random seed in each process (`initial_seed()` tells which).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import devices

#: The seed of a new `torch.Generator()` (PyTorch's `default_rng_seed_val`).
FRESH_GENERATOR_SEED = 67280421310721
#: Seeds are 64-bit: PyTorch takes -2**63 ... 2**64 - 1 and keeps a negative seed modulo 2**64.
_SEEDS = 2**64


class Generator:
    """A source of random numbers with its own state (NumPy's PCG64 underneath), as
    `torch.Generator`: `Generator()`, `Generator("cpu")` or `Generator(device="cpu")` starts
    from PyTorch's fixed seed; `Generator(seed)` (stir's shorthand) from `seed`.

    >>> import stir
    >>> g = stir.Generator().manual_seed(0)
    >>> a = stir.randn(3, generator=g)
    >>> b = stir.randn(3, generator=stir.Generator().manual_seed(0))
    >>> bool((a == b).all()), g.initial_seed()
    (True, 0)
    """

    def __init__(self, seed: Any = None, device: Any = "cpu") -> None:
        if isinstance(seed, (str, devices.device)):
            seed, device = None, seed  # Generator("cpu"): PyTorch's positional device
        if str(device) != "cpu":
            raise ValueError(f"Generator: stir's generators live on the CPU, not {device!r} "
                             "(samples for another device are drawn here and moved)")
        self._seed = FRESH_GENERATOR_SEED if seed is None else _checked_seed(seed)
        self._numpy: np.random.Generator | None = None

    @property
    def numpy(self) -> np.random.Generator:
        """The NumPy generator underneath, made on first use (importing numpy.random takes
        as long as a third of `import numpy`, which `import stir` need not pay)."""
        if self._numpy is None:
            self._numpy = np.random.default_rng(self._seed)
        return self._numpy

    @property
    def device(self) -> Any:
        """Where the generator's state lives: always the CPU (`stir.device("cpu")`)."""
        return devices.device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from `seed` (an int from -2**63 to 2**64 - 1; a negative seed
        counts modulo 2**64, as in PyTorch); returns the generator, so that
        `Generator().manual_seed(42)` can be passed as `generator=`."""
        self._seed, self._numpy = _checked_seed(seed), None
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self._seed, self._numpy = int.from_bytes(os.urandom(8), "little"), None
        return self._seed

    def initial_seed(self) -> int:
        """The seed the current state started from."""
        return self._seed

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


def _checked_seed(seed: Any) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"a seed must be an int, got {type(seed).__name__} (PyTorch's "
                        "manual_seed expects a long too)")
    if not -(_SEEDS // 2) <= seed < _SEEDS:
        raise ValueError(f"a seed must be a 64-bit integer, from -2**63 to 2**64 - 1; got {seed}")
    return int(seed) % _SEEDS


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


#: The generator every random function uses unless given another; a new random seed in
#: each process, as PyTorch's.
default_generator = Generator(int.from_bytes(os.urandom(8), "little"))


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, which every random function uses unless given another;
    returns it, as `torch.manual_seed` does.

    >>> import stir
    >>> stir.manual_seed(3) is stir.default_generator, stir.initial_seed()
    (True, 3)
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator's current state started from."""
    return default_generator.initial_seed()


def resolve(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind `generator`, or behind the default generator for None."""
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a stir.Generator, got {type(generator).__name__}")
    return generator.numpy
