"""The import graph of gdlab: layered, one-way, without cycles.

The whole package, bottom to top (a module may import its own layer or a lower one, at module level
or inside a function; the apps are siblings and do not import each other; nothing imports the CLI):

    core        everything not named below: model, training, layers, optimizers, checkpoint, io, …
    runs        runconfig, rundir, runs, reporting
    apps        lab | sweep | playground
    cli

Among the core modules the graph is one-way too, and every import among them is at module level:

    model → training → callbacks        model → saving → checkpoint → io

Run ``python -m pytest tests/test_import_graph.py -v`` to check it; the table printed on failure lists
each offending import with its file and line.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gdlab"
CORE = ("model", "training", "callbacks", "checkpoint", "saving", "io")


def _module_of(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    return rel.parts[0]


def _imports(path: Path):
    """(imported core module, line, at module level?) for each gdlab import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gdlab":
            parts = node.module.split(".")
            names = [parts[1]] if len(parts) > 1 else [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".")[1] for a in node.names if a.name.startswith("gdlab.")]
        for name in names:
            if name in CORE:
                yield name, node.lineno, id(node) in top


def _core_files():
    for name in CORE:
        yield from ([SRC / f"{name}.py"] if (SRC / f"{name}.py").exists() else sorted((SRC / name).glob("*.py")))


def _edges():
    for path in _core_files():
        source = _module_of(path)
        for target, line, top_level in _imports(path):
            if target != source:
                yield source, target, f"{path.relative_to(SRC.parent)}:{line}", top_level


def test_core_modules_import_each_other_only_at_module_level():
    inner = [where for _, _, where, top_level in _edges() if not top_level]
    assert inner == [], f"function-level imports among {CORE}: {inner}"


def test_core_import_graph_has_no_cycle():
    graph = {}
    for source, target, _, _ in _edges():
        graph.setdefault(source, set()).add(target)
    seen, done = set(), set()

    def visit(node, path):
        if node in done:
            return
        assert node not in seen, f"import cycle: {' → '.join(path + [node])}"
        seen.add(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])


@pytest.mark.parametrize("module, forbidden", [
    ("checkpoint", {"model", "training", "callbacks", "saving"}),
    ("callbacks", {"model", "training", "checkpoint", "saving"}),
    ("training", {"model", "checkpoint", "saving"}),
    ("saving", {"model"}),
    ("io", set(CORE) - {"io"}),
])
def test_each_core_module_imports_only_downward(module, forbidden):
    bad = [(t, where) for s, t, where, _ in _edges() if s == module and t in forbidden]
    assert bad == [], f"{module} must not import {sorted(forbidden)}; found {bad}"


# -- the layers of the whole package -------------------------------------------------------------------
#: the layer of each first name under gdlab that is not core (``reporting``: the page and figure helpers
#: that the lab's and the sweep's reports share)
LAYER_OF = {"runconfig": "runs", "rundir": "runs", "runs": "runs", "reporting": "runs",
            "lab": "lab", "sweep": "sweep", "playground": "playground", "cli": "cli"}
#: height of each layer; the three apps stand side by side
RANK = {"core": 0, "runs": 1, "lab": 2, "sweep": 2, "playground": 2, "cli": 3}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _layer(module: str) -> str:
    parts = module.split(".")
    return LAYER_OF.get(parts[1], "core") if len(parts) > 1 else "core"


def _base(node: ast.ImportFrom, module: str) -> str | None:
    """The absolute module ``from … import`` names (relative imports resolved)."""
    if not node.level:
        return node.module
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _all_imports(module: str):
    """(imported gdlab module, line) for every import in ``module``, at module level or in a function;
    ``from P import name`` is an import of the module ``P.name`` where there is one, else of ``P``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "gdlab")
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, module)
            if base and base.split(".")[0] == "gdlab":
                for a in node.names:
                    yield (f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base), node.lineno


def _graph_edges():
    """(importing module, imported module, "file:line") for every import between two gdlab modules."""
    for source in MODULES:
        for target, line in _all_imports(source):
            if target != source:
                yield source, target, f"{MODULES[source].relative_to(SRC.parent.parent)}:{line}"


def _table(rows) -> str:
    rows = [("where", "importing (layer)", "imported (layer)")] + [
        (where, f"{s} ({_layer(s)})", f"{t} ({_layer(t)})") for s, t, where in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    return "\n" + "\n".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  →  {c}" for a, b, c in rows)


def test_every_module_has_a_layer():
    assert set(LAYER_OF.values()) | {"core"} == set(RANK)
    assert {_layer(m) for m in MODULES} <= set(RANK)


def test_every_import_goes_to_its_own_layer_or_a_lower_one():
    def allowed(source, target):
        a, b = _layer(source), _layer(target)
        return a == b or RANK[b] < RANK[a]

    bad = sorted((s, t, where) for s, t, where in _graph_edges() if not allowed(s, t))
    if bad:
        pytest.fail("imports that go up a layer or across to a sibling app:" + _table(bad), pytrace=False)


def test_the_module_graph_has_no_cycle():
    """Imports at any depth count, except a package's ``__init__`` importing its own modules: Python
    imports a package before any of its modules, so the package assembling itself from them (re-exports,
    registration at the end) is part of the package, not an edge back."""
    graph = {}
    for source, target, where in _graph_edges():
        if not target.startswith(source + "."):
            graph.setdefault(source, {}).setdefault(target, where)
    state = {}  # module → "open" while on the path, "done" once every path from it is checked

    def visit(node, path):
        state[node] = "open"
        for nxt, where in sorted(graph.get(node, {}).items()):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                rows = [(a, b, graph[a][b]) for a, b in zip(cycle, cycle[1:])]
                pytest.fail("import cycle " + " → ".join(cycle) + ":" + _table(rows), pytrace=False)
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
