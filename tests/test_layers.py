"""Imports run only downwards along the chain (docs/architecture.md, "Layers").

The import-linter contracts in pyproject.toml name the layers; `lint-imports` runs them here so
that the suite fails on an upward import. A second check builds the import graph with grimp
(which import-linter uses) and requires that no two apps import each other, directly or in a
longer cycle, whatever the contracts say.
"""

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def app_of(module: str) -> str:
    """The app (imon.core, imon.reports, …) or root module (imon.urls) a module belongs to."""
    return ".".join(module.split(".")[:2])


def app_cycle(graph) -> list[str]:
    """The module imports that make up a cycle between apps, or [] if the apps form no cycle."""
    edges: dict[tuple[str, str], str] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if app_of(module) != app_of(imported):
                edges.setdefault((app_of(module), app_of(imported)), f"{module} -> {imported}")
    successors: dict[str, set] = {}
    for importer, imported in edges:
        successors.setdefault(importer, set()).add(imported)
    state: dict[str, str] = {}  # app -> "open" while on the path, "done" after

    def visit(app: str, path: list[str]) -> list[str]:
        state[app] = "open"
        for following in sorted(successors.get(app, ())):
            if state.get(following) == "open":
                apps = [*path[path.index(following) :], following]  # the open apps are the path
                return [edges[pair] for pair in zip(apps, apps[1:])]
            if following not in state and (found := visit(following, [*path, following])):
                return found
        state[app] = "done"
        return []

    for app in sorted(successors):
        if app not in state and (found := visit(app, [app])):
            return found
    return []


def test_the_import_contracts_hold(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def test_no_two_apps_import_each_other():
    graph = grimp.build_graph("imon", cache_dir=None)
    assert app_cycle(graph) == []


def test_the_cycle_check_finds_a_cycle_through_three_apps():
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("imon.portal.views", "imon.reports.document"),
        ("imon.reports.document", "imon.core.numbers"),
        ("imon.core.numbers", "imon.core.models"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert app_cycle(graph) == []
    graph.add_import(importer="imon.core.models", imported="imon.portal.content")
    assert sorted(app_cycle(graph)) == [
        "imon.core.models -> imon.portal.content",
        "imon.portal.views -> imon.reports.document",
        "imon.reports.document -> imon.core.numbers",
    ]
