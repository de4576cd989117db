"""The modules of imon.ops import each other without a cycle (the audit log and the login lock once did)."""

import ast
from pathlib import Path

import imon.ops

OPS = Path(imon.ops.__file__).parent


def ops_imports() -> dict[str, set[str]]:
    """Module → the imon.ops modules it imports, at the top or inside a function."""
    modules = {path.stem for path in OPS.glob("*.py")}
    graph = {}
    for path in OPS.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
                elif node.module and node.module.startswith("imon.ops"):
                    rest = node.module.removeprefix("imon.ops").lstrip(".")
                    found |= {rest.split(".")[0]} if rest else {a.name for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("imon.ops.")}
        graph[path.stem] = (found & modules) - {path.stem}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, path = [], []

    def visit(module):
        if module in path:
            found.append(path[path.index(module) :] + [module])
            return
        path.append(module)
        for target in sorted(graph.get(module, ())):
            visit(target)
        path.pop()

    for module in sorted(graph):
        visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b", "a"], ["b", "a", "b"]]


def test_imon_ops_has_no_import_cycle():
    graph = ops_imports()
    assert {"events", "models"} <= graph["throttle"] and "audit" not in graph["throttle"]
    assert cycles(graph) == []
