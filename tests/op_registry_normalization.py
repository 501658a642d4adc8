"""The op registry's entries for normalization (issue 14; being written)."""
from __future__ import annotations

NORMALIZATION_ENTRIES: list = []
