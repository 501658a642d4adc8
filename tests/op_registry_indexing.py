"""The op registry's entries for the indexing operations (PyTorch's names, issue 12), added to
its table by op_registry.py."""

from __future__ import annotations

from op_registry import OpSpec

INDEXING_ENTRIES: list[OpSpec] = []
