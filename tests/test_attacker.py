"""Confidentiality tried as an attacker would: everything one release publishes, plus the
structure anybody can see, plus earlier releases, fed into a linear program (tests/attacker.py,
independent of the production code). No hidden small count may be pinned down further than its
own protection allows: [1, min − 1], as far as hiding everything could keep it.

One case per way in which suppressed cells were once recovered, in a made-up city (Musterstadt);
the demo; and generated tables.
"""

import datetime
import textwrap
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imon.core import conceptfile
from imon.core import models as m
from imon.publication import suppression
from tests.attacker import Structure, as_key, exposed

CITY = """\
format_version: 1
municipality: {key: musterstadt, name: Musterstadt, ags: "09999000", state: Bayern}
areas:
  - {key: "09999000", name: Musterstadt, kind: county}
  - {key: nord, name: Bezirk Nord, kind: city_district, parent: "09999000"}
  - {key: sued, name: Bezirk Süd, kind: city_district, parent: "09999000"}
  - {key: nord-a, name: Altstadt, kind: quarter, parent: nord}
  - {key: nord-b, name: Hafen, kind: quarter, parent: nord}
concept: {key: ik, title: Integrationskonzept Musterstadt}
fields_of_action:
  - {code: A, title: Sprache}
dimensions:
  - key: geschlecht
    label: Geschlecht
    values:
      - {key: insgesamt, label: Insgesamt, total: true}
      - {key: m, label: männlich}
      - {key: w, label: weiblich}
      - {key: d, label: divers}
sources:
  - {key: amt, publisher: Statistikamt Musterstadt, title: Einwohnerregister}
"""


def load(indicators: str, observations: list[tuple]):
    """The city with these indicators (YAML list items) and observations
    (indicator, area, date, dims, value)."""
    rows = []
    for indicator, area, date, dims, value in observations:
        dim_text = ", ".join(f"{k}: {v}" for k, v in dims.items())
        rows.append(
            f'  - {{indicator: {indicator}, area: "{area}", date: {date}, '
            f"dims: {{{dim_text}}}, value: {value}}}"
        )
    text = CITY + "indicators:\n" + textwrap.indent(textwrap.dedent(indicators).strip(), "  ") + "\n"
    text += "observations:\n" + "\n".join(rows) + "\n"
    conceptfile.load_text(text)
    from imon.core.imports import recompute_derived

    recompute_derived(set(m.Indicator.objects.values_list("key", flat=True)))


def release(snapshot_title="Bericht", date=datetime.date(2026, 12, 31)) -> dict:
    """{key: (value, flag)} of everything a release publishes (the public document's observations:
    what the portal, the API, the downloads and the reports show)."""
    from imon.publication import public_document
    from imon.reports import snapshots

    snapshot = snapshots.publish(snapshots.create(snapshot_title, date)).snapshot
    document = public_document(snapshot.data)
    return {as_key(o): (o["value"], o["flag"]) for o in document["observations"]}


def truth() -> dict:
    """The true values the release must protect: not those a publisher released itself (an
    election result), which are public whatever their size."""
    return {
        (ind, area, date, dim_key): value
        for ind, area, date, dim_key, value, own, general in m.Observation.objects.values_list(
            "indicator__key",
            "area__key",
            "reference_date",
            "dim_key",
            "value",
            "source__released",
            "indicator__source__released",
        )
        if not (own if own is not None else general)
    }


def assert_holds(earlier=()):
    published = release()
    found = exposed(truth(), published, Structure.from_database(), earlier)
    assert not found, found
    return published


COUNT = """\
- {key: einwohner, title: Einwohner nach Geschlecht, unit: Personen, kind: count, source: amt,
   dimensions: [geschlecht]}
"""


def test_a1_a_breakdown_total_without_a_rule(db):
    """total − published parts = the hidden part, though no rule says that they add up."""
    load(
        COUNT,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 120),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 60),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 58),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 2),
        ],
    )
    published = assert_holds()
    assert published[("einwohner", "09999000", datetime.date(2025, 12, 31), "geschlecht=d")][0] is None


def test_a1_the_area_tree(db):
    """The city − the other district = the hidden district; a district − its other quarter."""
    load(
        COUNT,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 90),
            ("einwohner", "nord", "2025-12-31", {"geschlecht": "insgesamt"}, 46),
            ("einwohner", "sued", "2025-12-31", {"geschlecht": "insgesamt"}, 44),
            ("einwohner", "nord-a", "2025-12-31", {"geschlecht": "insgesamt"}, 2),
            ("einwohner", "nord-b", "2025-12-31", {"geschlecht": "insgesamt"}, 44),
            ("einwohner", "09999000", "2026-12-31", {"geschlecht": "insgesamt"}, 91),
            ("einwohner", "nord", "2026-12-31", {"geschlecht": "insgesamt"}, 1),
            ("einwohner", "sued", "2026-12-31", {"geschlecht": "insgesamt"}, 90),
        ],
    )
    published = assert_holds()
    for area, date in (("nord-a", 2025), ("nord", 2026)):
        assert published[("einwohner", area, datetime.date(date, 12, 31), "geschlecht=insgesamt")][0] is None


def test_a1_the_stricter_minimum_of_small_areas(db, settings):
    """Quarters need 5: a district minus its other quarter must not give a quarter of 4 away."""
    settings.IMON_SMALL_AREA_MIN_COUNT = 5
    load(
        COUNT,
        [
            ("einwohner", "nord", "2025-12-31", {"geschlecht": "insgesamt"}, 44),
            ("einwohner", "nord-a", "2025-12-31", {"geschlecht": "insgesamt"}, 4),
            ("einwohner", "nord-b", "2025-12-31", {"geschlecht": "insgesamt"}, 40),
        ],
    )
    published = assert_holds()
    assert published[("einwohner", "nord-a", datetime.date(2025, 12, 31), "geschlecht=insgesamt")][0] is None


def test_a2_a_part_missing_from_a_rule(db):
    """A rule lists m, w and d; d has no row: total − m = w must not follow."""
    load(
        """\
        - {key: einwohner, title: Einwohner, unit: Personen, kind: count, source: amt,
           dimensions: [geschlecht],
           rules: [{kind: part_sum, dimension: geschlecht, total: insgesamt, parts: [m, w, d]}]}
        """,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 50),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 48),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 2),
        ],
    )
    assert_holds()


def test_a3_hidden_cells_are_known_to_be_small(db):
    """Two hidden cells summing to 4 with minimum 3 are both 2, unless more is hidden."""
    load(
        COUNT,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 34),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 30),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 2),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 2),
        ],
    )
    published = assert_holds()
    assert published[("einwohner", "09999000", datetime.date(2025, 12, 31), "geschlecht=m")][0] is None


SHARE = """\
- {key: auslaender, title: Ausländer, unit: Personen, kind: count, source: amt}
- {key: einwohner, title: Einwohner, unit: Personen, kind: count, source: amt}
- {key: quote, title: Ausländeranteil, unit: "%", kind: share, decimals: 1, source: amt,
   numerator: auslaender, denominator: einwohner}
"""


def test_a4_a_share_over_a_lagging_denominator(db):
    """The share of 2025 (numerator 2025 over population 2024) carries 2024: share × population
    would give the hidden numerator of 2025."""
    load(
        SHARE,
        [
            ("auslaender", "nord-a", "2025-12-31", {}, 2),
            ("einwohner", "nord-a", "2024-12-31", {}, 50),
        ],
    )
    published = assert_holds()
    assert published[("quote", "nord-a", datetime.date(2024, 12, 31), "")][0] is None


SHARE_BY_SEX = """\
- {key: auslaender, title: Ausländer, unit: Personen, kind: count, source: amt, dimensions: [geschlecht]}
- {key: einwohner, title: Einwohner, unit: Personen, kind: count, source: amt, dimensions: [geschlecht]}
- {key: quote, title: Ausländeranteil, unit: "%", kind: share, decimals: 1, source: amt,
   numerator: auslaender, denominator: einwohner, dimensions: [geschlecht]}
"""


def test_a5_a_share_over_a_hidden_denominator(db):
    """Residents: 2 of sex "divers" are hidden, and so must be one more cell of the sum; if that
    is the men's count, numerator / share gives it back, and the total then the hidden 2."""
    load(
        SHARE_BY_SEX,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 100),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 60),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 38),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 2),
            ("auslaender", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 45),
            ("auslaender", "09999000", "2025-12-31", {"geschlecht": "m"}, 25),
            ("auslaender", "09999000", "2025-12-31", {"geschlecht": "w"}, 20),
            ("auslaender", "09999000", "2025-12-31", {"geschlecht": "d"}, 0),
        ],
    )
    published = assert_holds()
    hidden_residents = {k[3] for k, (v, _f) in published.items() if k[0] == "einwohner" and v is None}
    for dims in hidden_residents:
        assert published[("quote", "09999000", datetime.date(2025, 12, 31), dims)][0] is None


def test_a6_shares_are_published_with_their_precision_and_never_rounded_as_counts(db):
    """A share is published with the decimals its indicator states, not six; a source that rounds
    its counts to 5 does not turn a share of 1.3 % into 0 %."""
    load(
        SHARE,
        [
            ("auslaender", "09999000", "2025-12-31", {}, 1300),
            ("einwohner", "09999000", "2025-12-31", {}, 100000),
        ],
    )
    m.Source.objects.update(rounding=5)
    published = assert_holds()
    value = published[("quote", "09999000", datetime.date(2025, 12, 31), "")][0]
    assert Decimal(str(value)) == Decimal("1.3")
    assert Decimal(str(published[("einwohner", "09999000", datetime.date(2025, 12, 31), "")][0])) == 100000


def test_a7_the_same_quantity_in_two_indicators(db):
    """The register's men are the same quantity as the statistics office's: the men hidden in one
    table to protect its 2 diverse persons must not be published in the other."""
    load(
        COUNT
        + """\
- {key: einwohner-register, title: Einwohner laut Melderegister, unit: Personen, kind: count,
   source: amt, dimensions: [geschlecht], rules: [{kind: same, other_indicator: einwohner}]}
""",
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 120),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 55),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 63),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 2),
            ("einwohner-register", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 120),
            ("einwohner-register", "09999000", "2025-12-31", {"geschlecht": "m"}, 55),
        ],
    )
    published = assert_holds()
    men = ("einwohner-register", "09999000", datetime.date(2025, 12, 31), "geschlecht=m")
    assert published[men][0] is None


def test_a8_successive_releases(db):
    """The first release hides the women's count to protect 2 of sex "divers"; after a revision
    the cheapest cell to hide would be the men's count — which the first release showed, unchanged."""
    load(
        COUNT,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 100),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 50),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 48),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 2),
        ],
    )
    first = assert_holds()
    women = ("einwohner", "09999000", datetime.date(2025, 12, 31), "geschlecht=w")
    men = ("einwohner", "09999000", datetime.date(2025, 12, 31), "geschlecht=m")
    assert first[women][0] is None and first[men][0] is not None
    cells = m.Observation.objects.filter(indicator__key="einwohner")
    cells.filter(dim_key="geschlecht=w").update(value=60, flag="r")
    cells.filter(dim_key="geschlecht=insgesamt").update(value=112, flag="r")
    second = assert_holds(earlier=[first])
    assert second[men][0] is not None  # shown before and unchanged: hiding it now would protect nothing


def test_a9_a_count_in_the_singular_unit_of_an_office(db):
    """A GENESIS table in the unit "Person" (singular) is a count like any other: its cell of 1
    is hidden, with a total beside it, and the release holds."""
    from imon.core import imports
    from imon.core.importers import parse_bytes

    conceptfile.load_text(CITY)
    head = (
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
        "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
        "2_variable_attribute_code;2_variable_attribute_label;value;value_unit;value_variable_code;"
        "value_variable_label"
    )
    stat = "12521;Ausländerstatistik;STAG;Stichtag;2025-12-31;GEMEIN;Gemeinden;09999000;Musterstadt"
    data = "\r\n".join(
        [
            head,
            f"{stat};GES;Geschlecht;;Insgesamt;41;Person;BEV001;Ausländer",
            f"{stat};GES;Geschlecht;GESM;männlich;1;Person;BEV001;Ausländer",
            f"{stat};GES;Geschlecht;GESW;weiblich;40;Person;BEV001;Ausländer",
        ]
    ).encode("utf-8-sig")
    plan = imports.plan_import(parse_bytes(data, "12521-0001_flat.csv"), "f.csv", imports.sha256_of(data))
    assert plan.ok, [str(p) for p in plan.errors]
    imports.apply_import(plan)
    assert m.Indicator.objects.get(key="12521-bev001").kind == "count"
    published = assert_holds()
    assert published[("12521-bev001", "09999000", datetime.date(2025, 12, 31), "ges=GESM")][0] is None


def test_a10_a_policy_change_reaches_every_output_from_one_place(db, settings):
    """Raising the minimum count: the release made afterwards (what the portal, the API, the
    downloads and the reports all publish) protects the cells the new minimum makes small."""
    load(
        COUNT,
        [
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "insgesamt"}, 120),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "m"}, 60),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "w"}, 56),
            ("einwohner", "09999000", "2025-12-31", {"geschlecht": "d"}, 4),
        ],
    )
    divers = ("einwohner", "09999000", datetime.date(2025, 12, 31), "geschlecht=d")
    from imon.reports import snapshots
    from imon.reports.models import Release

    assert release()[divers][0] == "4"  # 4 is no small count under the minimum of 3
    settings.IMON_MIN_COUNT = 5
    assert snapshots.out_of_date(snapshots.published())  # the release says it must be made again
    Release.objects.all().delete()  # (an installation that had not yet published under the old policy)
    published = assert_holds()
    assert published[divers][0] is None


def test_the_demo_release_holds(demo):
    assert_holds()


def test_the_second_demo_release_holds(second_demo):
    published = assert_holds()
    # Auenhof's 2 course graduates are hidden, and so is a second district beside them
    hidden = [
        key for key, (value, _flag) in published.items() if key[0] == "lh-integrationskurse" and value is None
    ]
    assert len(hidden) >= 2 and any(key[1] == "lh-ob-6" for key in hidden)


# --- generated tables -----------------------------------------------------------------------------


@st.composite
def city_tables(draw):
    """Counts by area (city, two districts, quarters) × sex (with its total), all consistent."""
    quarters = {"nord": ["nord-a", "nord-b"], "sued": []}
    values = {}
    for area in ["nord-a", "nord-b", "sued"]:
        for sex in ("m", "w", "d"):
            values[(area, sex)] = draw(st.one_of(st.integers(0, 3), st.integers(4, 80)))
    for sex in ("m", "w", "d"):
        values[("nord", sex)] = sum(values[(q, sex)] for q in quarters["nord"])
        values[("09999000", sex)] = values[("nord", sex)] + values[("sued", sex)]
    for area in ["09999000", "nord", "sued", "nord-a", "nord-b"]:
        values[(area, "insgesamt")] = sum(values[(area, s)] for s in ("m", "w", "d"))
    return values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=city_tables())
def test_generated_tables_hold(db, tables):
    from imon.core.imports import recompute_derived  # noqa: F401  (the loader derives nothing here)
    from imon.reports.models import Release, Snapshot

    # Every example is a city of its own: no release of an earlier example may count as known.
    Release.objects.all().delete()
    Snapshot.objects.all().delete()  # (the queryset's delete: a snapshot itself refuses)
    m.Observation.objects.all().delete()
    load(
        COUNT,
        [("einwohner", area, "2025-12-31", {"geschlecht": sex}, v) for (area, sex), v in tables.items()],
    )
    published = release()
    found = exposed(truth(), published, Structure.from_database())
    assert not found, found


def test_the_policy_width_is_capped_by_the_interval_of_small_counts():
    policy = suppression.Policy(min_count=3)
    assert policy.primary_interval == (1, 2)
    assert policy.required_width(True) == 1 and policy.required_width(False) == 3


@pytest.mark.parametrize("minimum", [3, 5])
def test_two_small_cells_and_their_total(minimum):
    """The plain function: a total of 4 over two small cells must not be published."""
    cells = {"t": (4, "", {}), "a": (2, "", {}), "b": (2, "", {}), "big": (50, "", {}), "all": (54, "", {})}
    relations = [
        suppression.Relation(((1, "t"), (-1, "a"), (-1, "b"))),
        suppression.Relation(((1, "all"), (-1, "t"), (-1, "big"))),
    ]
    hidden = suppression.suppress(cells, relations, lambda key: True, suppression.Policy(min_count=minimum))
    assert {"a", "b"} <= set(hidden) and "t" in hidden


@st.composite
def kreise_tables(draw):
    """A Kreise table as the offices ship it, small: Germany, two Länder of three Kreise each,
    sex (with its total) × three age groups (with their total), many small counts, all consistent."""
    children = {"DG": ["01", "02"], "01": ["01001", "01002", "01003"], "02": ["02001", "02002", "02003"]}
    ages = ["0-17", "18-64", "65+"]
    values = {}
    for land in ("01", "02"):
        for kreis in children[land]:
            for sex in ("m", "w"):
                for age in ages:
                    values[(kreis, sex, age)] = draw(st.one_of(st.integers(0, 2), st.integers(3, 60)))
    for sex in ("m", "w"):
        for age in ages:
            for land in ("01", "02"):
                values[(land, sex, age)] = sum(values[(k, sex, age)] for k in children[land])
            values[("DG", sex, age)] = values[("01", sex, age)] + values[("02", sex, age)]
    for area in ["DG", *children]:
        for sex in ("m", "w"):
            values[(area, sex, "insgesamt")] = sum(values[(area, sex, age)] for age in ages)
        for age in [*ages, "insgesamt"]:
            values[(area, "insgesamt", age)] = values[(area, "m", age)] + values[(area, "w", age)]
    return values, children


def test_the_report_counts_the_relations_it_does_not_need_to_make():
    """Where nothing is hidden, the relations are counted for the suppression report, not made:
    the same number, whether the parts add up, fall short of their total (a remainder), exceed it
    (no relation), have no value, or miss a total or all parts (nothing to relate)."""
    date = datetime.date(2025, 12, 31)

    def cell(area, sex, value, flag=""):
        number = None if value is None else Decimal(value)
        return ("bev", area, date, f"geschlecht={sex}"), (number, flag, {"geschlecht": sex})

    rows = [
        ("A", "insgesamt", "10"), ("A", "m", "4"), ("A", "w", "6"),  # adds up
        ("B", "insgesamt", "10"), ("B", "m", "4"), ("B", "w", "5.5"),  # falls short
        ("C", "insgesamt", "10"), ("C", "m", "7"), ("C", "w", "6"),  # exceeds
        ("D", "insgesamt", None, "."), ("D", "m", "4"), ("D", "w", None, "-"),  # secret; zero
        ("E", "m", "3"),  # no total
        ("F", "insgesamt", "5"),  # no parts
    ]  # fmt: skip
    cells = dict(cell(*row) for row in rows)
    totals, children = {"geschlecht": "insgesamt"}, {"A": ["B", "C"], "D": ["E", "F", "G"]}
    relations = suppression.derived_relations(cells, totals, children, lambda key: True)
    # breakdowns of A, B (with a remainder) and D; areas: D's total (secret) and D's men (4 ≥ 3)
    assert len(relations) == 5
    assert suppression.count_derived_relations(cells, totals, children, lambda key: True) == 5
    assert suppression.count_derived_relations(cells, totals, children, lambda key: False) == 0


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.just("-"),
            st.integers(0, 30).map(str),
            st.decimals(0, 30, places=1, allow_nan=False).map(str),
        ),
        min_size=18,
        max_size=18,
    ),
    present=st.lists(st.booleans(), min_size=18, max_size=18),
)
def test_relations_are_counted_as_made_on_any_table(values, present):
    """Counted in arrays or made one by one, the same number of relations, on tables with gaps,
    secret and zero cells, decimals, parts above or below their totals."""
    date = datetime.date(2025, 12, 31)
    cells = {}
    places = [(a, s) for a in "ABCDEF" for s in ("insgesamt", "m", "w")]
    for (area, sex), value, there in zip(places, values, present, strict=True):
        if there:
            number = None if value in (None, "-") else Decimal(value)
            flag = "-" if value == "-" else ("." if value is None else "")
            cells[("bev", area, date, f"geschlecht={sex}")] = (number, flag, {"geschlecht": sex})
    totals, children = {"geschlecht": "insgesamt"}, {"A": ["B", "C"], "D": ["E", "F", "G"]}
    made = suppression.derived_relations(cells, totals, children, lambda key: True)
    assert suppression.count_derived_relations(cells, totals, children, lambda key: True) == len(made)


@settings(max_examples=80, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["bev", "hh", "x"]),
            st.sampled_from(["A", "B", "C", "D", "E"]),
            st.sampled_from([datetime.date(2024, 12, 31), datetime.date(2025, 12, 31)]),
            st.sampled_from(["insgesamt", "m", "w", None]),
            st.sampled_from(["insgesamt", "jung", "alt", None]),
            st.one_of(st.none(), st.just("-"), st.integers(0, 20).map(str), st.just("-0")),
        ),
        max_size=60,
    ),
    shared=st.booleans(),
)
def test_relations_are_counted_as_made_on_tables_of_two_breakdowns(cells, shared):
    """Counted once for every arrangement of breakdowns or made one by one, the same number of
    relations: cells of two breakdowns, in any order, with dims shared by a breakdown's cells or
    not, with parts above or below their totals, unknown, zero and negative zero values, and
    indicators that are not counts."""
    table, parsed = {}, {}
    for indicator, area, date, sex, age, value in cells:
        dims = {name: v for name, v in (("geschlecht", sex), ("altersgruppe", age)) if v is not None}
        dim_key = m.dimension_key(dims)
        if shared:
            dims = parsed.setdefault(dim_key, dims)
        number = None if value in (None, "-") else Decimal(value)
        flag = "-" if value == "-" else ("." if value is None else "")
        table[(indicator, area, date, dim_key)] = (number, flag, dims)
    totals = {"geschlecht": "insgesamt", "altersgruppe": "insgesamt"}
    children = {"A": ["B", "C"], "B": ["D"], "E": ["F"]}
    is_count = lambda key: key[0] != "x"  # noqa: E731
    made = suppression.derived_relations(table, totals, children, is_count)
    assert suppression.count_derived_relations(table, totals, children, is_count) == len(made)


@settings(max_examples=30, deadline=None)
@given(table=kreise_tables())
def test_generated_kreise_tables_hold(table):
    """The plain functions on a hierarchical table (area tree × two breakdowns with totals), where
    the quick local pass and the proofs in bulk of `suppress` do most of the work."""
    values, children = table
    date = datetime.date(2025, 12, 31)
    cells = {
        ("bev", area, date, f"altersgruppe={age}|geschlecht={sex}"): (
            Decimal(v),
            "",
            {"geschlecht": sex, "altersgruppe": age},
        )
        for (area, sex, age), v in values.items()
    }
    totals = {"geschlecht": "insgesamt", "altersgruppe": "insgesamt"}
    relations = suppression.derived_relations(cells, totals, children, lambda key: True)
    hidden = suppression.suppress(cells, relations, lambda key: True)
    published = {k: (None, ".") if k in hidden else (v, "") for k, (v, _f, _d) in cells.items()}
    structure = Structure(totals=totals, children=children, counts={"bev"})
    found = exposed({k: v for k, (v, _f, _d) in cells.items()}, published, structure)
    assert not found, found
