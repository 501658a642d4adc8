"""The random differential tester (tests/differential.py) run against PyTorch.

The default run is a fixed seed and 800 expressions (a few seconds); `-m slow` adds a run of
20 000. Any disagreement fails the test, listed by category with a reproducer for the first
few of each: the expression as Python text, its inputs, and both libraries' answers.
"""

from __future__ import annotations

import numpy as np
import pytest

import differential
import stir

torch = pytest.importorskip("torch", reason="PyTorch is the oracle and is not installed")


def assert_agrees(report: differential.Report) -> None:
    assert report.cases
    if report.mismatches or report.missing_names:
        pytest.fail(report.text(), pytrace=False)


def test_the_generator_is_deterministic():
    first = [differential.Generator(torch, 3).case(n) for n in range(30)]
    again = [differential.Generator(torch, 3).case(n) for n in range(30)]
    assert [c.expr.text for c in first] == [c.expr.text for c in again]
    assert all(np.array_equal(a.array, b.array) for c, d in zip(first, again)
               for a, b in zip(c.leaves, d.leaves))


def test_the_generator_covers_the_families():
    generator = differential.Generator(torch, 0)
    text = " ".join(generator.case(n).expr.text for n in range(400))
    for spelling in ("torch.exp(", ".sum(", "softmax", ".std(", ".var(", "logsumexp", ".max(",
                     "@", "torch.cat(", "torch.stack(", ".permute(", ".expand(", ".reshape(",
                     "[", " > 0)]", "torch.tensor([", ".float()", "torch.where(", "maximum",
                     " // ", " % ", ".clamp("):
        assert spelling in text, f"no expression uses {spelling!r}"


def test_pytorch_agrees_with_itself():
    """The comparison is sound: the oracle against itself gives no findings."""
    assert_agrees(differential.run_cases(torch, torch, 300, seed=11))


def test_a_wrong_answer_is_caught_and_reproduced():
    """A library whose exp is off by a little is reported under values, with a reproducer."""

    class SkewedTorch:
        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def exp(x):
            return torch.exp(x) * 1.001

    report = differential.run_cases(SkewedTorch(), torch, 300, seed=5)
    assert report.findings["values"], report.text()
    assert "out = " in report.findings["values"][0]
    assert "torch.exp(" in report.findings["values"][0]


def test_stir_agrees_with_pytorch_on_random_expressions():
    assert_agrees(differential.run_cases(stir, torch, 800, seed=0))


@pytest.mark.slow
def test_stir_agrees_with_pytorch_on_many_random_expressions():
    assert_agrees(differential.run_cases(stir, torch, 20_000, seed=1))
