"""The op registry's entries for conv (issue 14; being written)."""
from __future__ import annotations

CONV_ENTRIES: list = []
