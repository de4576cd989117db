"""Nothing leaves for the public without passing the confidentiality boundary (`imon.publication`).

A scan of the source finds every module and template that reads observations from the database
(the `Observation` model, the `observations` related manager or helper, `observation_set`,
`observations__…` lookups, the table name). Only the modules listed here may do that, each for a
stated reason; a new module that reads observations directly fails the test until it either goes
through the boundary or is added to the list with its reason. A behavioural test checks that
`imon export-data --public` hides the demo's small households in every format.
"""

import ast
import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

import imon
from imon import publication

ROOT = Path(imon.__file__).parent

# Modules that read or write observations and never publish them, with the reason.
STAFF_ONLY = {
    "core/models.py": "defines the model",
    "core/bulk.py": "writes observations",
    "core/imports.py": "imports and checks statistics files (staff)",
    "core/fetch/run.py": "the latest stored reference date of a subscribed indicator (staff, CLI)",
    "core/conceptfile/load.py": "loads the whole installation (staff, CLI)",
    "core/conceptfile/dump.py": "dumps the whole installation (staff, CLI)",
    "core/admin.py": "staff admin of the observations",
    "core/exports.py": "the staff export (true values); the public one is publication.public_table",
    "reports/confidentiality_views.py": "staff page of blocked cells behind staff_permission_required (checked below)",
    "reports/admin.py": "staff admin; marks cells blocked for publication",
    "ops/management/commands/export_data.py": "CLI; --public passes the boundary (checked below)",
    "steering/services.py": "staff dashboard: the newest reference date per indicator (no values), behind the steering roles",
}
# Modules that only count observations.
COUNT_ONLY = {"core/views.py": "the staff home page shows how many observations there are"}
# Modules that publish observations and are allowed to read them because they pass every one
# through the boundary: they must call hidden_cells and suppression.public_value.
BOUNDARY_CALLERS = {
    "publication/cells.py": "the boundary itself: freezes published observations for snapshots, public exports"
}
# Modules that publish observations of the latest snapshot (frozen after passing the boundary, see
# reports/snapshots.py): they may only call `.observations(...)` of a published snapshot, never the model.
SNAPSHOT_READERS = {
    "portal/views.py": "the portal shows and offers for download the published snapshot's observations",
    "portal/api.py": "the open-data API serves the published snapshot's observations",
    "portal/api_urls.py": "names the API's observation views",
}
# Templates that may show observations: staff pages only.
STAFF_TEMPLATES = {"core/templates/core/confidentiality.html"}

COUNTING = {"count", "exists"}


def observation_reads(source: str) -> list[tuple[int, str, bool]]:
    """(line, what, only counted) for every place in Python `source` that reaches observations
    in the database."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    found = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.ClassDef) and node.name == "Observation":
            what = "model"
        elif (
            isinstance(node, ast.Name)
            and node.id == "Observation"
            or isinstance(node, ast.Attribute)
            and node.attr == "Observation"
        ):
            what = "Observation"
        elif isinstance(node, ast.Attribute) and node.attr == "observation_set":
            what = "observation_set"
        elif isinstance(node, ast.Attribute) and node.attr == "observations":
            owner = node.value
            if not (
                isinstance(owner, ast.Name) and owner.id == "self"
            ):  # self.observations: an attribute of one's own
                what = "observations"
        elif isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if "Observation" in names or (
                "observations" in names and (node.module or "").endswith("exports")
            ):
                what = "import"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and ("observations__" in node.value or "core_observation" in node.value)
        ):
            what = "lookup"
        if what:
            found.append((node.lineno, what, _only_counted(node)))
    return sorted(found)


def _only_counted(node) -> bool:
    """Observation.objects.count() and the like."""
    objects = getattr(node, "parent", None)
    method = getattr(objects, "parent", None)
    return (
        isinstance(objects, ast.Attribute)
        and objects.attr == "objects"
        and isinstance(method, ast.Attribute)
        and method.attr in COUNTING
        and isinstance(getattr(method, "parent", None), ast.Call)
    )


def python_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" not in relative:
            yield relative, path.read_text(encoding="utf-8")


def calls(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_the_scan_finds_direct_reads_and_ignores_snapshot_dicts():
    reads = observation_reads(
        "from imon.core.models import Observation\n"
        "from imon.core import models as m\n"
        "rows = m.Observation.objects.filter(value__lt=3)\n"
        "more = indicator.observations.all()\n"
        "older = indicator.observation_set.all()\n"
        "via = m.Indicator.objects.values_list('observations__value')\n"
        "from imon.core.exports import observations\n"
        "n = m.Observation.objects.count()\n"
    )
    assert [line for line, _what, _counted in reads] == [1, 3, 4, 5, 6, 7, 8]
    assert [counted for *_rest, counted in reads] == [False] * 6 + [True]
    assert observation_reads("self.observations.get(key, [])\nrows = snapshot['observations']\n") == []


def test_only_listed_modules_read_observations():
    unlisted = []
    for relative, source in python_modules():
        reads = observation_reads(source)
        if not reads or relative in STAFF_ONLY or relative in BOUNDARY_CALLERS:
            continue
        if relative in COUNT_ONLY and all(counted for *_rest, counted in reads):
            continue
        if relative in SNAPSHOT_READERS and all(what == "observations" for _line, what, _counted in reads):
            continue
        unlisted += [f"imon/{relative}:{line} ({what})" for line, what, _counted in reads]
    assert not unlisted, "observations read outside the boundary: " + ", ".join(unlisted)


def test_the_lists_name_only_modules_that_read_observations():
    sources = dict(python_modules())
    for relative in [*STAFF_ONLY, *COUNT_ONLY]:
        assert observation_reads(sources[relative]), (
            f"{relative} no longer reads observations: remove it from the list"
        )


@pytest.mark.parametrize("relative", sorted(BOUNDARY_CALLERS))
def test_publishing_modules_pass_every_observation_through_the_boundary(relative):
    path = ROOT / relative
    if not path.exists():
        pytest.skip(f"{relative} does not exist yet")
    source = path.read_text(encoding="utf-8")
    if observation_reads(source):
        called = calls(source)
        assert "public_value" in called and called & {"hidden_cells", "suppression_of"}, (
            f"{relative} reads observations without hidden_cells"
        )


def test_staff_pages_that_read_observations_require_a_permission():
    tree = ast.parse(
        (ROOT / "core/data_views.py").read_text(encoding="utf-8")
        + (ROOT / "reports/confidentiality_views.py").read_text(encoding="utf-8")
    )
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and observation_reads(ast.unparse(function)):
            decorators = {ast.unparse(d).split("(")[0] for d in function.decorator_list}
            assert decorators & {
                "permission_required",
                "staff_permission_required",
                "staff_member_required",
                "login_required",
            }, function.name


def test_no_public_template_reads_observations():
    offending = []
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative not in STAFF_TEMPLATES and any(
            s in text for s in (".observations.", "observation_set", "observations__")
        ):
            offending.append(relative)
    assert not offending


def test_only_staff_modules_export_true_values():
    """The long-format table of stored values (`exports.table`) is for staff; every other module
    exports through `publication.public_table`, whose records pass the boundary's `publish`."""
    for relative, source in python_modules():
        if relative in STAFF_ONLY:
            continue
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            published = name == "exports.records" and (len(node.args) > 1 or node.keywords)
            if name in ("exports.table", "exports.records") and not published:
                raise AssertionError(f"imon/{relative}:{node.lineno} exports stored values")


def _read(path, fmt):
    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).active
        header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        return [{h: ("" if v is None else str(v)) for h, v in zip(header, row)} for row in rows]
    if fmt == "json":
        return [
            {k: ("" if v is None else str(v)) for k, v in row.items()}
            for row in json.loads(path.read_text())["observations"]
        ]
    german = fmt == "csv-de"
    text = path.read_text(encoding="utf-8-sig" if german else "utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";" if german else ","))


@pytest.mark.parametrize("fmt", ["csv", "csv-de", "xlsx", "json"])
def test_export_data_public_hides_the_small_households_in_every_format(demo, tmp_path, fmt):
    import datetime

    from imon.core import exports
    from imon.reports import snapshots

    snapshots.publish(snapshots.create("Bericht", datetime.date(2099, 12, 31)))
    staff, public = tmp_path / f"staff.{fmt}", tmp_path / f"public.{fmt}"
    call_command("export_data", str(staff), format=fmt)
    call_command("export_data", str(public), format=fmt, public=True)
    household = ("wohnungssuchende-haushalte", "wohnungssuchende-personen")

    def cells(rows):
        return {
            (r["indicator"], r["haushaltsgroesse"]): (r["value"], r["flag"])
            for r in rows
            if r["indicator"] in household
        }

    staff_cells, public_cells = cells(_read(staff, fmt)), cells(_read(public, fmt))
    for size in ("9", "10", "11"):
        for indicator in household:
            assert staff_cells[(indicator, size)][0] not in ("", None)  # staff see the true value
            assert public_cells[(indicator, size)] == ("", ".")
    hidden = publication.hidden_cells(
        exports.observations().values_list("indicator__key", flat=True).distinct()
    )
    blocked_rows = [r for r in _read(public, fmt) if r["flag"] in (".", "/")]
    assert len(blocked_rows) >= len(hidden)
    assert all(r["value"] == "" for r in blocked_rows)
