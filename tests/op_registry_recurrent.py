"""The op registry's entries for recurrent (issue 14; being written)."""
from __future__ import annotations

RECURRENT_ENTRIES: list = []
