"""Shared test settings: deterministic Hypothesis runs, and tests/ importable as modules."""

import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

# The PyTorch-style programs of tests/compat/ are whole scripts that test_compat_programs.py
# runs in subprocesses; collecting them (--doctest-modules imports them) would run each.
collect_ignore = ["compat"]

# Derandomized so that CI and a developer see the same examples; no deadline because the
# first example of a test pays for imports and caches.
settings.register_profile(
    "stir",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("stir")
