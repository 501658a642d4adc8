"""Neural-network building blocks. `stir.nn.functional` holds the stateless maths."""

from . import functional

__all__ = ["functional"]
