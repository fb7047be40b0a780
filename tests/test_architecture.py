"""The import graph of ``chronos/`` (read from the source with ``ast``, every import
wherever it is written, ``if TYPE_CHECKING:`` blocks aside): no cycles, and no import from
a lower layer to a higher one. The layers are those of docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chronos"

#: From the top down. A module belongs to the layer of its longest listed prefix; it may
#: import its own layer and the ones below, never one above.
LAYERS = [
    ("interface", ["chronos.cli", "chronos.cli_render", "chronos.__main__"]),
    ("workspace", ["chronos.serve"]),
    ("application", ["chronos.app"]),
    ("orchestration", ["chronos.case", "chronos.cache", "chronos.screen", "chronos.returns"]),
    ("pipeline", ["chronos.pipeline"]),
    ("outputs", ["chronos.report"]),
    ("views", ["chronos.genogram"]),
    ("analysis", ["chronos.link", "chronos.patterns"]),
    ("ingest", ["chronos.ingest"]),
    ("sql", ["chronos.sql"]),
    ("foundation", ["chronos", "chronos.model", "chronos.dates", "chronos.errors",
                    "chronos.report.safe_files", "chronos.settings"]),
]

#: Cycles that are known and owned by other work; each must still exist (remove it here
#: when it is gone). None now.
KNOWN_CYCLES: list[set[str]] = []

#: Only the command line knows about the terminal.
TERMINAL_MODULES = ("typer", "click", "rich")
TERMINAL_OWNERS = ("chronos.cli", "chronos.cli_render", "chronos.__main__")


def modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` under ``root`` (a package folder)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _without_type_checking(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:``."""
    out, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(name: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """``(modules of the package that module ``name`` imports, other top-level names)``.

    ``from a.b import c`` imports ``a.b.c`` when that is a module, else ``a.b``; an import
    of a name the package does not hold is resolved to its nearest parent package."""
    inside, outside = set(), set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    root = name.split(".")[0]

    def add(target: str) -> None:
        if target.split(".")[0] != root:
            outside.add(target.split(".")[0])
            return
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            inside.add(target)

    for node in _without_type_checking(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package[:len(package) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                add(full if full in known else base)
    return inside, outside


def import_graph(root: Path) -> tuple[nx.DiGraph, dict[str, set[str]]]:
    """The package's import graph, and each module's imports from outside it."""
    known = modules(root)
    graph, outside = nx.DiGraph(), {}
    for name, path in known.items():
        graph.add_node(name)
        inside, outside[name] = imported(name, path, known)
        graph.add_edges_from((name, target) for target in inside)
    return graph, outside


def cycles(graph: nx.DiGraph) -> list[set[str]]:
    """The groups of modules that import each other, directly or round a loop."""
    return [set(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def layer_of(module: str, layers=LAYERS) -> int | None:
    """The index of ``module``'s layer (0 is the top), by its longest listed prefix."""
    best, where = -1, None
    for index, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, where = len(prefix), index
    return where


def upward(graph: nx.DiGraph, layers=LAYERS) -> list[str]:
    """Every import from a lower layer to a higher one, as ``a (layer) -> b (layer)``."""
    bad = []
    for a, b in sorted(graph.edges()):
        la, lb = layer_of(a, layers), layer_of(b, layers)
        if la is not None and lb is not None and lb < la:
            bad.append(f"{a} ({layers[la][0]}) -> {b} ({layers[lb][0]})")
    return bad


@pytest.fixture(scope="module")
def graph():
    return import_graph(PACKAGE)


def test_no_import_cycles(graph):
    found = [c for c in cycles(graph[0]) if c not in KNOWN_CYCLES]
    assert not found, "modules that import each other: " + "; ".join(
        " <-> ".join(sorted(c)) for c in found)


def test_known_cycles_still_exist(graph):
    assert all(c in cycles(graph[0]) for c in KNOWN_CYCLES), \
        "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_no_import_from_a_lower_layer_to_a_higher_one(graph):
    assert upward(graph[0]) == []


def test_every_module_has_a_layer(graph):
    assert [m for m in graph[0] if layer_of(m) is None] == []


def test_only_the_command_line_knows_the_terminal(graph):
    users = {m: sorted(set(TERMINAL_MODULES) & names) for m, names in graph[1].items()
             if m not in TERMINAL_OWNERS and set(TERMINAL_MODULES) & names}
    assert users == {}
    printing = []
    for name, path in modules(PACKAGE).items():
        if name in TERMINAL_OWNERS:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                printing.append(f"{name}:{node.lineno} print()")
            if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr") \
                    and getattr(node.value, "id", None) == "sys":
                printing.append(f"{name}:{node.lineno} sys.{node.attr}")
    assert printing == []


# ----------------------------------------------------------------- the checker itself


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "chronos"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_checker_finds_a_cycle_through_a_lazy_import(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "", "case.py": "from chronos.link import stage\n",
        "link/__init__.py": "",
        "link/stage.py": "def f():\n    from chronos.case import build_case\n",
    })
    graph, _ = import_graph(root)
    assert cycles(graph) == [{"chronos.case", "chronos.link.stage"}]
    assert upward(graph) == ["chronos.link.stage (analysis) -> chronos.case (orchestration)"]


def test_checker_ignores_type_checking_imports_and_resolves_relative_ones(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "", "model.py": "",
        "pipeline.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from chronos.case import Case\n",
        "case.py": "from chronos import pipeline\n",
        "ingest/__init__.py": "", "ingest/a.py": "from .. import model\nfrom .b import x\n",
        "ingest/b.py": "import rich\nx = 1\n",
    })
    graph, outside = import_graph(root)
    assert set(graph.edges()) == {("chronos.case", "chronos.pipeline"),
                                  ("chronos.ingest.a", "chronos.model"),
                                  ("chronos.ingest.a", "chronos.ingest.b")}
    assert outside["chronos.ingest.b"] == {"rich"}
    assert cycles(graph) == [] and upward(graph) == []
