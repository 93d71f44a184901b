"""The import graph among the core modules is one-way, and every import among them is at module level.

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
