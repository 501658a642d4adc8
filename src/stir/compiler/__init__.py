"""`stir.compile`: a training step captured once and replayed as a flat list of array
operations. See `compiled_step.CompiledStep`.

    compiled_step.py  stir.compile and CompiledStep: when to capture, replay or run eagerly
    trace.py          capturing the calls of a step, and the Plan two equal traces give
    replay.py         running a Plan: forward calls, then the engine's backward, flat"""

from .compiled_step import CompiledStep, compile

__all__ = ["CompiledStep", "compile"]
