"""Dependencies point one way (DESIGN §6): no package of server/ (features, core, wechat,
moderation) imports another that imports it back, however far round, and no feature imports
the edges above it (the mini-program API, the scheduler, the console, the entry points). Read
from the source, so a new import is checked the day it lands."""

import ast
import itertools
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"
PACKAGES = sorted(path.name for path in SERVER.iterdir() if (path / "__init__.py").exists())
# The edges call the features; a feature package never imports them.
ENTRY_PACKAGES = ("console", "entrypoints", "jobs")
EDGES = ("miniprogram_api", "server.jobs", "server.console", "server.entrypoints")


def _runtime_imports(tree: ast.AST):
    """Every module a file imports when it runs: what ``if TYPE_CHECKING:`` guards is for
    annotations only and is left out."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _graph() -> dict[str, dict[str, str]]:
    """package -> {package it imports: the first file that does}."""
    graph: dict[str, dict[str, str]] = {name: {} for name in PACKAGES}
    for name in PACKAGES:
        for path in sorted((SERVER / name).rglob("*.py")):
            for module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
                parts = module.split(".")
                if parts[0] == "server" and len(parts) > 1 and parts[1] in PACKAGES and parts[1] != name:
                    graph[name].setdefault(parts[1], str(path.relative_to(SERVER.parent)))
    return graph


def _cycle(graph) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for target in graph[node]:
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target] if target in trail else [node, target]
            if target not in state:
                found = visit(target, [*trail, target])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in graph:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_package_of_server_imports_another_that_imports_it_back():
    graph = _graph()
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle) + "; via " + ", ".join(graph[a][b] for a, b in itertools.pairwise(cycle))


def test_no_feature_package_imports_the_api_the_scheduler_or_the_console():
    offenders = []
    for name in set(PACKAGES) - set(ENTRY_PACKAGES):
        for path in sorted((SERVER / name).rglob("*.py")):
            for module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
                if module.startswith(EDGES):
                    offenders.append(f"{path.relative_to(SERVER.parent)} imports {module}")
    assert offenders == []
