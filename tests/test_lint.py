"""The library never unpickles, evaluates or executes text: a file can only ever be data.

Fails when `pickle`, `allow_pickle=True`, a call of the builtins `eval(` or `exec(` (or
`__import__(`, `marshal`, `literal_eval`) appears in any module of src/stir. Methods named
eval, such as PyTorch's `Module.eval()` (training mode off), are fine: they are defined with
`def eval(` and called as `.eval(`.
"""

import re
from pathlib import Path

import pytest

import stir

SOURCE = Path(stir.__file__).parent
FORBIDDEN = {
    "pickle": re.compile(r"\bc?[pP]ickle\b"),
    "allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "eval(": re.compile(r"(?<![\w.])eval\s*\("),
    "exec(": re.compile(r"(?<![\w.])exec\s*\("),
    "__import__(": re.compile(r"__import__\s*\("),
    "marshal": re.compile(r"\bmarshal\b"),
    "literal_eval": re.compile(r"\bliteral_eval\b"),  # safe, but still text made into values
}
MODULES = sorted(SOURCE.rglob("*.py"))


def code_lines(path):
    """Each line with its comments and the text of its docstrings and strings kept: a
    forbidden word in prose is still flagged (say it another way), except the phrase
    'no pickle', which states the rule."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield number, line.replace("no pickle", "")


def test_there_are_modules_to_check():
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_pickle_eval_or_exec(path):
    found = []
    for number, line in code_lines(path):
        stripped = line.lstrip()
        for name, pattern in FORBIDDEN.items():
            if pattern.search(line) and not (name == "eval(" and stripped.startswith("def ")):
                found.append(f"{path.name}:{number}: {name}: {stripped}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text, flagged", [
    ("data = pickle.loads(blob)", True),
    ("np.load(path, allow_pickle=True)", True),
    ("value = eval(text)", True),
    ("exec(code)", True),
    ("model.eval()", False),
    ("    def eval(self) -> Module:", False),
    ("evaluate(model)", False),
])
def test_the_patterns_catch_what_they_should(text, flagged, tmp_path):
    path = tmp_path / "sample.py"
    path.write_text(text + "\n")
    hits = [name for _, line in code_lines(path) for name, pattern in FORBIDDEN.items()
            if pattern.search(line) and not (name == "eval(" and line.lstrip().startswith("def "))]
    assert bool(hits) == flagged
