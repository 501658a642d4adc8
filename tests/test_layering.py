"""The package's imports flow one way: a cycle is a design error, caught here.

Every `import` and `from ... import` in src/stir is read (those inside functions too: an
import put off to run time is still a dependency), relative ones resolved to the module they
name. The one mutual dependency allowed is the seam between `Tensor` and its operations:
`stir.tensor` imports `stir.ops` at its last line, and `stir.ops` is built on `Tensor`. With
that one edge left out, the graph must have no cycle at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
SEAM = ("stir.tensor", "stir.ops")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SOURCE / "stir").rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The stir modules `name` imports (the module itself when an imported name is not one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            candidates = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate.startswith("stir") and candidate != name:
                targets.add(candidate)
    return targets


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert len(graph) > 90
    assert "stir.ops" in graph["stir.tensor"]  # the seam itself
    assert {"stir.tensor", "stir.autograd"} <= graph["stir.ops.arithmetic"]


def test_no_import_cycle_but_the_seam() -> None:
    graph = import_graph()
    graph[SEAM[0]].discard(SEAM[1])
    assert cycles(graph) == [], "an import cycle (other than Tensor's seam with stir.ops)"


def test_the_seam_is_one_import_at_the_end_of_tensor_py() -> None:
    tree = ast.parse((SOURCE / "stir" / "tensor.py").read_text(encoding="utf-8"))
    from_package = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and node.level == 1 and node.module is None]
    assert [[alias.name for alias in node.names] for node in from_package] == [
        ["grad_mode"], ["ops"]]
    assert from_package[-1] is tree.body[-1]


def reachable(graph: dict[str, set[str]], name: str) -> set[str]:
    found, todo = set(), [name]
    while todo:
        for child in graph[todo.pop()] - found:
            found.add(child)
            todo.append(child)
    return found - {name}


def test_the_engine_and_autograd_are_below_the_operations() -> None:
    """Without the seam, nothing the engine, autograd, the array seam or the dual helpers
    import reaches a primitive or a network module."""
    graph = import_graph()
    graph[SEAM[0]].discard(SEAM[1])
    for name in ("stir.engine", "stir.autograd", "stir._array", "stir.ops.dual"):
        above = {m for m in reachable(graph, name) if m == "stir.ops" or m.startswith(
            ("stir.ops.", "stir.nn", "stir.optim", "stir.compiler")) and m != "stir.ops.dual"}
        assert not above, f"{name} imports {sorted(above)}"


def test_no_module_imports_another_modules_private_names() -> None:
    """`from .x import _name` reaches into another module's internals: the compiler, the
    training loop and the commands use documented interfaces instead."""
    known = modules()
    offenders = []
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                # (a module such as stir._array is private to the package, not to a module)
                private = [a.name for a in node.names if a.name.startswith("_")
                           and not a.name.startswith("__") and not any(
                               m.endswith("." + a.name) for m in known)]
                if private:
                    offenders.append(f"{name}: from {'.' * node.level}{node.module or ''} "
                                     f"import {', '.join(private)}")
    assert offenders == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
