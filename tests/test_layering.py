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
    for node in _run_time_nodes(ast.parse(path.read_text(encoding="utf-8"))):
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


def _run_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only)."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


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
    of_ops = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
              and node.level == 1 and any(alias.name == "ops" for alias in node.names)]
    assert len(of_ops) == 1
    # After it, only the binding of the method families' `_ops` (and shared helpers).
    after = tree.body[tree.body.index(of_ops[0]) + 1:]
    assert after and all(isinstance(node, ast.Assign) for node in after)


def test_the_method_families_import_neither_tensor_nor_ops() -> None:
    """tensor_*.py are Tensor's base classes: tensor.py imports them, so they may import
    neither it nor stir.ops (the seam binds `_ops` into them instead)."""
    graph = import_graph()
    families = [name for name in graph if name.startswith("stir.tensor_")
                and name != "stir.tensor_functions"]
    assert len(families) >= 4
    for name in families:
        assert not {"stir.tensor", "stir.ops"} & graph[name], name


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


#: The compute path: where arrays are computed on. Only the array seam (stir/_array/) may
#: name NumPy there; these modules take every array function from `_array.namespace(x)`.
COMPUTE_PATH = ("stir.tensor", "stir.autograd", "stir.engine", "stir.ops", "stir.ops.",
                "stir.optim.sgd", "stir.optim.adaptive", "stir.nn.utils", "stir.compiler.replay")


def test_only_the_array_seam_names_numpy_on_the_compute_path() -> None:
    offenders = []
    for name, path in modules().items():
        if name == "stir.ops" or name.startswith(COMPUTE_PATH):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n == "numpy" or n.startswith("numpy.") for n in names):
                    offenders.append(name)
    assert offenders == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_each_package_says_what_lives_in_it() -> None:
    """Every sub-package's docstring names each of its files and sub-packages."""
    missing = []
    for init in sorted((SOURCE / "stir").rglob("__init__.py")):
        folder = init.parent
        if folder == SOURCE / "stir":
            continue  # the package's own map is the README's Layout section
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        entries = [p.stem for p in folder.glob("*.py") if p.name not in ("__init__.py",
                                                                         "__main__.py")]
        entries += [p.name for p in folder.iterdir() if (p / "__init__.py").exists()]
        missing += [f"{folder.name}/{entry}" for entry in entries if entry not in doc]
    assert missing == []


def test_the_readme_layout_names_every_top_level_module() -> None:
    readme = (SOURCE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    entries = [p.stem for p in (SOURCE / "stir").glob("*.py")
               if p.name not in ("__init__.py", "__main__.py", "_version.py")]
    entries += [p.name + "/" for p in (SOURCE / "stir").iterdir() if (p / "__init__.py").exists()]
    assert [entry for entry in entries if entry not in layout] == []


def _public_names_made_in(tree: ast.Module) -> set[str]:
    """The public names a module's top level defines or imports (modules it imports aside)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module not in ("__future__", "typing"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {name for name in names if not name.startswith("_")}


def test_every_all_lists_exactly_the_public_names() -> None:
    """An `__all__` kept by hand is checked here against what the module really offers: every
    listed name exists, and in a package's __init__ every public name it imports or defines
    is listed (a name added without its entry fails)."""
    import importlib

    wrong = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                for node in tree.body):
            continue
        module = importlib.import_module(name)
        listed = set(module.__all__)
        wrong += [f"{name}: lists {n}, which it lacks" for n in listed if not hasattr(module, n)]
        if path.name == "__init__.py":
            submodules = {m.rpartition(".")[2] for m in modules() if m.startswith(name + ".")}
            offered = _public_names_made_in(tree) - submodules - {"annotations"}
            wrong += [f"{name}: offers {n} without listing it" for n in sorted(offered - listed)]
    assert wrong == []
