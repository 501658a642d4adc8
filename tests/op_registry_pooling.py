"""The op registry's entries for pooling (issue 14; being written)."""
from __future__ import annotations

POOLING_ENTRIES: list = []
