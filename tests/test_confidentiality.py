"""No published value lets anyone recompute a hidden cell: proved with linear-programming bounds."""

import csv
import io

import numpy as np
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from imon import publication
from imon.publication import suppression as c

THRESHOLD = 3  # values 1 and 2 are hidden


def audit(cells, equations, hidden, priors=None):
    """Independent of the production code: for each hidden cell, the interval that the published
    cells and the equations allow, where every value is >= 0 and `priors` ({key: (low, high)})
    says what an attacker knows beforehand (a primary cell lies in [1, min − 1]).
    Returns {key: (low, high)}."""
    priors = priors or {}
    unknown = sorted(hidden)
    position = {k: i for i, k in enumerate(unknown)}
    rows, rhs = [], []
    for equation in equations:
        row, constant = np.zeros(len(unknown)), 0.0
        for coef, key in equation:
            if key in position:
                row[position[key]] += coef
            else:
                constant += coef * cells[key]
        if row.any():
            rows.append(row)
            rhs.append(-constant)
    limits = [priors.get(k, (0, None)) for k in unknown]
    result = {}
    for key in unknown:
        objective = np.zeros(len(unknown))
        objective[position[key]] = 1
        low = linprog(
            objective,
            A_eq=np.array(rows) if rows else None,
            b_eq=np.array(rhs) if rows else None,
            bounds=limits,
        )
        high = linprog(
            -objective,
            A_eq=np.array(rows) if rows else None,
            b_eq=np.array(rhs) if rows else None,
            bounds=limits,
        )
        result[key] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return result


@st.composite
def linked_tables(draw):
    """A table of counts with row, column and grand totals, and a linked table of persons
    (= size × count per cell), as a household table with its persons row."""
    n_rows, n_cols = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    counts = [
        [draw(st.one_of(st.integers(0, 4), st.integers(5, 60))) for _ in range(n_cols)] for _ in range(n_rows)
    ]
    cells, equations = {}, []
    rows, cols = [f"r{r}" for r in range(n_rows)], [f"c{col}" for col in range(n_cols)]
    for r, row_key in enumerate(rows):
        for col, col_key in enumerate(cols):
            cells[("hh", row_key, col_key)] = counts[r][col]
            cells[("persons", row_key, col_key)] = (col + 1) * counts[r][col]
            equations.append([(1, ("persons", row_key, col_key)), (-(col + 1), ("hh", row_key, col_key))])
    for table in ("hh", "persons"):
        for row_key in rows:
            cells[(table, row_key, "total")] = sum(cells[(table, row_key, col_key)] for col_key in cols)
            equations.append(
                [(1, (table, row_key, "total")), *((-1, (table, row_key, col_key)) for col_key in cols)]
            )
        for col_key in [*cols, "total"]:
            cells[(table, "total", col_key)] = sum(cells[(table, row_key, col_key)] for row_key in rows)
            equations.append(
                [(1, (table, "total", col_key)), *((-1, (table, row_key, col_key)) for row_key in rows)]
            )
    return cells, equations


@settings(max_examples=200, deadline=None)
@given(linked_tables())
def test_every_hidden_cell_stays_undetermined(table):
    cells, equations = table
    relations = [c.Relation(tuple(eq)) for eq in equations]
    values = {k: (v, "-" if v == 0 else "", {}) for k, v in cells.items()}
    hidden = c.suppress(values, relations, lambda key: key[0] == "hh", c.Policy(min_count=THRESHOLD))
    sensitive = [k for k in cells if k[0] == "hh" and 0 < cells[k] < THRESHOLD]
    assert all(hidden.get(k) == "primary" for k in sensitive)
    # The attacker knows that a primary cell lies in [1, THRESHOLD − 1]; it must not learn more
    # than the relations give away whatever is hidden (persons = size × households).
    priors = {k: (1, THRESHOLD - 1) for k in sensitive}
    bounds = audit(cells, equations, hidden, priors)
    best = audit(cells, equations, set(cells), priors)
    for key in sensitive:
        low, high = bounds[key]
        required = min(THRESHOLD - 2, best[key][1] - best[key][0])
        assert high - low >= required - 1e-4, (key, cells[key], low, high, sorted(hidden))


@settings(max_examples=40, deadline=None)
@given(linked_tables())
def test_the_choice_is_stable(table):
    cells, equations = table
    relations = [c.Relation(tuple(eq)) for eq in equations]
    values = {k: (v, "", {}) for k, v in cells.items()}
    first = c.suppress(values, relations, lambda key: key[0] == "hh")
    again = c.suppress(
        dict(reversed(list(values.items()))), list(reversed(relations)), lambda key: key[0] == "hh"
    )
    assert first == again


def test_source_secret_values_are_protected_too():
    cells = {"total": (10, "", {}), "a": (None, ".", {}), "b": (7, "", {}), "c": (3, "", {})}
    relations = [c.Relation(((1, "total"), (-1, "a"), (-1, "b"), (-1, "c")))]
    hidden = c.suppress(cells, relations, lambda key: True)
    assert hidden["a"] == "source" and len(hidden) >= 2  # the secret 0 is not recomputable as 10 - 7 - 3


def public_table(indicator):
    """The long format of `indicator` as a release frozen now would publish it."""
    import datetime

    from imon.reports import snapshots

    snapshot = snapshots.create("Bericht", datetime.date(2099, 12, 31))
    return publication.public_table(snapshot.data, indicator)


def public_export(indicator):
    buffer = io.BytesIO()
    from imon.core import exports

    exports.write(buffer, "csv", *public_table(indicator))
    return {
        row["haushaltsgroesse"]: (row["value"], row["flag"])
        for row in csv.DictReader(io.StringIO(buffer.getvalue().decode()))
    }


def test_demo_household_table_hides_small_households_and_what_reveals_them(demo):
    households, persons = (
        public_export("wohnungssuchende-haushalte"),
        public_export("wohnungssuchende-personen"),
    )
    for size in ("9", "10", "11"):
        assert households[size] == ("", ".") and persons[size] == ("", ".")
    assert households["1"] == ("402", "") and households["insgesamt"][0] in ("640", "")


def test_export_data_public_applies_the_boundary(demo, tmp_path):
    import datetime

    from imon.reports import snapshots

    snapshots.publish(snapshots.create("Bericht", datetime.date(2099, 12, 31)))
    staff, public = tmp_path / "staff.csv", tmp_path / "public.csv"
    call_command("export_data", str(staff), indicator="wohnungssuchende-haushalte")
    call_command("export_data", str(public), indicator="wohnungssuchende-haushalte", public=True)
    staff_rows = {r["haushaltsgroesse"]: r for r in csv.DictReader(staff.open(encoding="utf-8"))}
    public_rows = {r["haushaltsgroesse"]: r for r in csv.DictReader(public.open(encoding="utf-8"))}
    assert (
        staff_rows["10"]["value"] == "1"
        and public_rows["10"]["value"] == ""
        and public_rows["10"]["flag"] == "."
    )


def test_staff_see_true_values_marked_and_a_page_explains_each_block(demo, client, ki_admin):
    from imon.core import models as m

    client.force_login(ki_admin)
    households = m.Indicator.objects.get(key="wohnungssuchende-haushalte")
    page = client.get(f"/admin/core/observation/?indicator__id__exact={households.pk}").content.decode()
    assert "für die Veröffentlichung gesperrt" in page
    page = client.get("/daten/geheimhaltung/").content.decode()
    assert "Statistische Geheimhaltung" in page and "haushaltsgroesse=10" in page
    assert "unter der Mindestfallzahl (primäre Sperrung)" in page and "sekundäre Sperrung" in page


def test_derived_shares_follow_their_numerator_and_minimum_denominator(demo, tmp_path):
    from imon.core import imports
    from imon.core import models as m
    from tests.importing import plan_for, write_csv

    count = m.Indicator.objects.create(key="kleine-zahl", title="Kleine Zahl", unit="Personen")
    share = m.Indicator.objects.create(
        key="anteil-kleine-zahl",
        title="Anteil",
        unit="%",
        kind="share",
        numerator=count,
        denominator=m.Indicator.objects.get(key="bevoelkerung"),
    )
    lines = [
        "indicator;area;reference_date;value",
        "kleine-zahl;05316000;31.12.2016;2",
        "kleine-zahl;05316000;31.12.2017;40",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "k.csv", lines)))
    header, rows = public_table("anteil-kleine-zahl")
    public = {r["reference_date"].isoformat(): (r["value"], r["flag"]) for r in rows}
    assert public["2016-12-31"] == (None, ".")  # the share would reveal the count of 2
    assert public["2017-12-31"][0] is not None
    share.min_denominator = 200_000
    share.save(update_fields=["min_denominator"])
    header, rows = public_table("anteil-kleine-zahl")
    assert {r["flag"] for r in rows} >= {"/"}


def test_indicator_threshold_and_rounding(demo):
    from imon.core import models as m

    m.Indicator.objects.filter(key="asylblg-leistungsempfaenger").update(rounding=10)
    header, rows = public_table("asylblg-leistungsempfaenger")
    assert [r["value"] for r in rows] == [1000, 980]
    m.Indicator.objects.filter(key="wohnungssuchende-haushalte").update(min_count=35)
    hidden = publication.hidden_cells({"wohnungssuchende-haushalte"})
    primaries = {k[3] for k, reason in hidden.items() if reason == "primary"}
    assert "haushaltsgroesse=3" in primaries and "haushaltsgroesse=5" not in primaries


def test_inconsistent_part_is_bounded_on_its_own_and_does_not_disturb_the_others():
    # a + b = 5 and a + b = 6 cannot both hold: the batch of programs has no solution, so each
    # cell is bounded on its own, and an inconsistent part counts as revealing until more is hidden.
    cells = {
        "a": (1, "", {}),
        "b": (4, "", {}),
        "t": (5, "", {}),
        "u": (6, "", {}),
        "x": (2, "", {}),
        "y": (30, "", {}),
        "z": (40, "", {}),
        "s": (72, "", {}),
    }
    relations = [
        c.Relation(((1, "t"), (-1, "a"), (-1, "b"))),
        c.Relation(((1, "u"), (-1, "a"), (-1, "b"))),
        c.Relation(((1, "s"), (-1, "x"), (-1, "y"), (-1, "z"))),
    ]
    hidden = c.suppress(cells, relations, lambda key: True)
    assert hidden == {"a": "primary", "b": "secondary", "t": "secondary", "x": "primary", "y": "secondary"}


def test_unbounded_cells_count_as_protected():
    # t is secret at the source, so a = t - 9 has no upper bound: nothing else needs hiding for a.
    # But a small count lies in [1, 2], so with b published t would lie in [10, 11]: b goes too.
    cells = {"t": (None, ".", {}), "a": (1, "", {}), "b": (9, "", {})}
    hidden = c.suppress(cells, [c.Relation(((1, "t"), (-1, "a"), (-1, "b")))], lambda key: True)
    assert hidden == {"t": "source", "a": "primary", "b": "secondary"}


def test_footnote_and_alt_text_name_symbols_reasons_and_counts():
    from django.utils import translation

    with translation.override("en"):
        note = c.footnote(["primary", "secondary", "secondary"])
        assert "“.”" in note and "§ 16 BStatG" in note and "small counts" in note
        assert "“/”" not in note
        # One footnote for all secret cells: it never tells which kinds are present.
        assert (
            c.footnote(["primary"]) == note == c.footnote(["secondary"]) == c.footnote(["primary", "source"])
        )
        # The office's own "." is explained by its key of symbols, never cited as our § 16 BStatG.
        assert c.footnote(["source"]) == ""
        assert "“/”" in c.footnote(["uncertain"]) and "“.”" not in c.footnote(["uncertain"])
        assert c.footnote([]) == ""
        assert c.alt_text_sentence(1) == "One value is not shown for reasons of statistical confidentiality."
        assert c.alt_text_sentence(3).startswith("3 values are")
        assert c.alt_text_sentence(0) == ""


def test_area_policies_are_stricter_for_their_areas_only():
    cells = {("n", "quarter"): (4, "", {}), ("n", "city"): (4, "", {})}
    stricter = {("n", "quarter"): c.Policy(min_count=5)}
    hidden = c.suppress(cells, [], lambda key: True, c.Policy(min_count=3), area_policies=stricter)
    assert hidden == {("n", "quarter"): "primary"}


def test_source_rules_apply_unless_the_indicator_sets_its_own(demo, tmp_path):
    from imon.core import models as m

    m.Source.objects.filter(key="fb-soziales").update(min_count=35, rounding=5)
    hidden = publication.hidden_cells({"wohnungssuchende-haushalte"})
    primaries = {k[3] for k, reason in hidden.items() if reason == "primary"}
    assert "haushaltsgroesse=3" in primaries and "haushaltsgroesse=5" not in primaries
    header, rows = public_table("wohnungssuchende-haushalte")
    assert {r["value"] % 5 for r in rows if r["value"] is not None} == {0}
    m.Indicator.objects.filter(key="wohnungssuchende-haushalte").update(min_count=3, rounding=1)
    hidden = publication.hidden_cells({"wohnungssuchende-haushalte"})
    assert "haushaltsgroesse=3" not in {k[3] for k, reason in hidden.items() if reason == "primary"}
    header, rows = public_table("wohnungssuchende-haushalte")
    assert any(r["value"] % 5 for r in rows if r["value"] is not None)


def test_source_minimum_denominator_marks_shares_uncertain(demo, tmp_path):
    from imon.core import imports
    from imon.core import models as m
    from tests.importing import plan_for, write_csv

    source = m.Source.objects.get(key="statistikstelle")
    count = m.Indicator.objects.create(key="zahl", title="Zahl", unit="Personen", source=source)
    m.Indicator.objects.create(
        key="anteil-zahl",
        title="Anteil",
        unit="%",
        kind="share",
        numerator=count,
        denominator=m.Indicator.objects.get(key="bevoelkerung"),
        source=source,
    )
    imports.apply_import(
        plan_for(
            write_csv(
                tmp_path / "z.csv", ["indicator;area;reference_date;value", "zahl;05316000;31.12.2017;400"]
            )
        )
    )
    header, rows = public_table("anteil-zahl")
    assert rows and rows[0]["flag"] != "/"
    source.min_denominator = 500_000
    source.save(update_fields=["min_denominator"])
    header, rows = public_table("anteil-zahl")
    assert rows[0] == {**rows[0], "value": None, "flag": "/"}


def test_small_areas_get_the_stricter_minimum_count(demo, tmp_path, settings):
    from imon.core import imports
    from imon.core import models as m
    from tests.importing import plan_for, write_csv

    source = m.Source.objects.get(key="statistikstelle")
    m.Indicator.objects.create(key="kleinraeumig", title="Kleinräumig", unit="Personen", source=source)
    lines = [
        "indicator;area;reference_date;value",
        "kleinraeumig;05316000;31.12.2017;4",
        "kleinraeumig;lev-wiesdorf;31.12.2017;4",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "k.csv", lines)))

    def hidden_areas():
        return {k[1] for k in publication.hidden_cells({"kleinraeumig"})}

    assert hidden_areas() == set()
    settings.IMON_SMALL_AREA_MIN_COUNT = 5  # project default
    assert hidden_areas() == {"lev-wiesdorf"}
    source.small_area_min_count = 4  # the source's setting wins over the project's
    source.save(update_fields=["small_area_min_count"])
    assert hidden_areas() == set()
    m.Indicator.objects.filter(key="kleinraeumig").update(
        small_area_min_count=10
    )  # the indicator's wins over both
    assert hidden_areas() == {"lev-wiesdorf"}


def test_source_rules_round_trip_through_the_concept_file_and_show_in_the_admin(demo, client, ki_admin):
    from imon.core import conceptfile, yamlio
    from imon.core import models as m

    concept = m.Concept.objects.get()
    data = conceptfile.dump(concept)
    source = next(s for s in data["sources"] if s["key"] == "fb-soziales")
    source.update(min_count=5, small_area_min_count=7, rounding=10, min_denominator=100)
    indicator = next(i for i in data["indicators"] if i["key"] == "wohnungssuchende-haushalte")
    indicator["small_area_min_count"] = 6
    conceptfile.load_text(yamlio.dump(data))
    stored = m.Source.objects.get(key="fb-soziales")
    assert (stored.min_count, stored.small_area_min_count, stored.rounding, stored.min_denominator) == (
        5,
        7,
        10,
        100,
    )
    assert m.Indicator.objects.get(key="wohnungssuchende-haushalte").small_area_min_count == 6
    again = next(s for s in conceptfile.dump(concept)["sources"] if s["key"] == "fb-soziales")
    assert again["small_area_min_count"] == 7 and again["rounding"] == 10
    client.force_login(ki_admin)
    page = client.get(f"/admin/core/source/{stored.pk}/change/").content.decode()
    assert 'name="small_area_min_count"' in page and 'name="min_denominator"' in page
