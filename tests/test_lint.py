"""The library never unpickles, evaluates or executes text: a file can only ever be data.

Fails when `pickle`, `allow_pickle=True`, a call of the builtins `eval(` or `exec(` (or
`__import__(`, `marshal`, `literal_eval`) appears in any module of src/stir. Methods named
eval, such as PyTorch's `Module.eval()` (training mode off), are fine: they are defined with
`def eval(` and called as `.eval(`. The same rule is read once more from each module's syntax
tree (`tree_findings`), where no spelling (`getattr(builtins, "eval")`, an aliased import,
a pickling library under another name) can slip past a pattern.
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


# The same promise read from the syntax tree, so that no spelling slips past the patterns
# above (`getattr(builtins, "eval")`, `from pickle import loads as l`, an import of dill).
BUILTINS_THAT_RUN_TEXT = {"eval", "exec", "__import__"}
MODULES_THAT_RUN_DATA = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve",
                         "marshal", "joblib"}


def tree_findings(source):
    """Each use of a builtin that runs text, or an import of a module that unpickles, in the
    Python `source`: (line, what)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in BUILTINS_THAT_RUN_TEXT:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in BUILTINS_THAT_RUN_TEXT \
                and isinstance(node.value, ast.Name) and node.value.id == "builtins":
            found.append((node.lineno, f"builtins.{node.attr}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "getattr" and any(
                    isinstance(a, ast.Constant) and a.value in BUILTINS_THAT_RUN_TEXT
                    for a in node.args):
            found.append((node.lineno, "getattr(..., builtin that runs text)"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names]
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + (["builtins." + n for n in names]
                                               if node.module == "builtins" else [])
            for name in names:
                if name.split(".")[0] in MODULES_THAT_RUN_DATA or name in {
                        "builtins." + b for b in BUILTINS_THAT_RUN_TEXT}:
                    found.append((node.lineno, f"import {name}"))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_calls_eval_or_imports_a_pickler(path):
    found = tree_findings(path.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{path.name}:{line}: {what}" for line, what in found)


@pytest.mark.parametrize("source, flagged", [
    ("value = eval(text)", True),
    ("run = getattr(builtins, 'exec')", True),
    ("import builtins\nbuiltins.eval('1')", True),
    ("from builtins import eval as e", True),
    ("from pickle import loads as read", True),
    ("import dill", True),
    ("import pickle as p", True),
    ("model.eval()", False),
    ("class M:\n    def eval(self):\n        return self", False),
    ("pattern = re.compile('x')", False),
])
def test_the_tree_check_catches_what_it_should(source, flagged):
    assert bool(tree_findings(source)) == flagged
