"""`stir.compile`: a training step captured once and replayed as a flat list of array
operations. See `compiled_step.CompiledStep`."""

from .compiled_step import CompiledStep, compile

__all__ = ["CompiledStep", "compile"]
