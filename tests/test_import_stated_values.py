"""Values as the sources state them: a source per observation, approximate values and bounds,
reference periods that are not days, the offices' own symbols, and values the publisher released
itself. Files written by hand in the layout of docs/data-import.md, imported with `imon import`,
then read back from the public outputs (API, portal page, report)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imon.core import models as m
from imon.portal import content
from imon.publication import public_document
from imon.reports import document, snapshots
from imon.reports.document.blocks import Figure, Table

from .importing import write_csv


def _import(path, *options):
    call_command("import", str(path), *options)


def _release(date=datetime.date(2026, 6, 30)) -> dict:
    content._LATEST.clear()
    return snapshots.publish(snapshots.create("Bericht", date)).snapshot.data


def _tables(snapshot: dict, title: str) -> list:
    """The tables and figures of the report whose caption or a row names `title` (not the key-figure
    tiles, which carry no notes)."""
    return [
        b
        for b in document.build(public_document(snapshot)).blocks
        if isinstance(b, (Table, Figure)) and (title in b.caption or any(title in row[0] for row in _rows(b)))
    ]


@pytest.fixture
def election(demo):
    """An indicator whose source published the figures itself (an election result)."""
    source = m.Source.objects.create(
        key="wahlamt", publisher="Stadt Leverkusen, Wahlamt", title="Kommunalwahl 2025", released=True
    )
    return m.Indicator.objects.create(
        key="stimmen-liste-x", title="Stimmen für Liste X", unit="Stimmen", kind="count", source=source
    )


def test_each_observation_names_its_own_source(demo, client, tmp_path):
    path = write_csv(
        tmp_path / "bevoelkerung.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Wert;Quelle",
            "bevoelkerung;05316000;31.12.2019;163.729;itnrw-bevoelkerung",
            "bevoelkerung;05316000;31.12.2020;163.838;",
        ],
    )
    _import(path)
    stored = {
        o.reference_date.year: o.source_id and o.source.key
        for o in m.Observation.objects.filter(indicator__key="bevoelkerung")
    }
    assert stored == {2016: None, 2017: None, 2019: "itnrw-bevoelkerung", 2020: None}
    snapshot = _release()
    items = client.get("/api/v1/indicators/bevoelkerung/observations.json").json()["items"]
    assert {o["date"]: o["source"] for o in items} == {
        "2016-12-31": "sozialbericht",
        "2017-12-31": "sozialbericht",
        "2019-12-31": "itnrw-bevoelkerung",
        "2020-12-31": "sozialbericht",
    }
    (table,) = [t for t in _tables(snapshot, "Basisdaten")]
    assert "Stadt Leverkusen, Sozialbericht" in table.source and "IT.NRW, Fortschreibung" in table.source
    page = client.get("/portal/de/kennzahlen/bevoelkerung/").content.decode()
    facts = page[page.index('<dl class="facts">') :]
    facts = facts[: facts.index("</dl>")]
    assert "IT.NRW: Fortschreibung" in facts and "Stadt Leverkusen: Sozialbericht" in facts


def test_another_sources_value_never_overwrites_a_stored_one(demo, tmp_path):
    """Two sources for the same area, date and breakdown are two series: refused, even with --replace."""
    path = write_csv(
        tmp_path / "bevoelkerung.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Wert;Quelle",
            "bevoelkerung;05316000;31.12.2017;163.487;itnrw-bevoelkerung",
        ],
    )
    before = list(m.Observation.objects.filter(indicator__key="bevoelkerung").values_list("value", "source"))
    for options in ((), ("--replace",)):
        with pytest.raises(CommandError):
            _import(path, *options)
    after = list(m.Observation.objects.filter(indicator__key="bevoelkerung").values_list("value", "source"))
    assert after == before


def test_a_source_for_the_whole_file(demo, tmp_path):
    path = write_csv(
        tmp_path / "amtlich.csv",
        ["Kennzahl;Gebiet;Stichtag;Wert", "bevoelkerung;05316000;31.12.2019;163.729"],
    )
    with pytest.raises(CommandError):
        _import(path, "--source", "gibt-es-nicht")
    assert not m.Observation.objects.filter(reference_date=datetime.date(2019, 12, 31)).exists()
    _import(path, "--source", "itnrw-bevoelkerung")
    assert (
        m.Observation.objects.get(reference_date=datetime.date(2019, 12, 31)).source.key
        == "itnrw-bevoelkerung"
    )


def test_approximate_values_and_school_years_are_shown_as_stated(demo, client, tmp_path):
    path = write_csv(
        tmp_path / "auszuege.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Wert",
            "auszuege-private-wohnungen;05316000;2023/24;rund 1.200",
            "auszuege-private-wohnungen;05316000;2025;mehr als 500",
        ],
    )
    _import(path)
    stored = m.Observation.objects.get(
        indicator__key="auszuege-private-wohnungen", reference_date=datetime.date(2023, 12, 31)
    )
    assert (stored.value, stored.qualifier, stored.period) == (1200, "approx", "2023/24")
    snapshot = _release()
    items = client.get("/api/v1/indicators/auszuege-private-wohnungen/observations.json").json()["items"]
    latest = {o["period"]: (o["value"], o["qualifier"]) for o in items if o["period"]}
    assert latest == {"2023/24": ("1200", "approx"), "2025": ("500", "more_than")}
    cells = [c for b in _tables(snapshot, "Auszüge") for row in _rows(b) for c in row]
    assert "rund 1.200" in cells and "mehr als 500" in cells and "2023/24" in cells and "2025" in cells
    assert "1.200" not in cells and "31.12.2023" not in cells
    page = client.get("/portal/de/kennzahlen/auszuege-private-wohnungen/").content.decode()
    assert "rund 1.200" in page and "mehr als 500" in page and "2023/24" in page


def _rows(block):
    if hasattr(block, "rows"):
        return [block.header, *block.rows]
    header, body = block.table
    return [header, *body]


def test_approximate_values_are_not_summed_as_exact(demo, tmp_path, capsys):
    path = write_csv(
        tmp_path / "gefluechtete.csv",
        [
            "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert",
            "gefluechtete;05316000;31.12.2021;insgesamt;rund 5.000",
            "gefluechtete;05316000;31.12.2021;a_b;4.513",
            "gefluechtete;05316000;31.12.2021;a;640",
            "gefluechtete;05316000;31.12.2021;b;3.873",
            "gefluechtete;05316000;31.12.2021;c;402",
        ],
    )
    _import(path)
    record = m.ImportRecord.objects.latest("pk")
    assert any("Summenprüfung übersprungen" in w and "ungefähr oder als Grenze" in w for w in record.warnings)
    assert record.rows_new == 5


def test_the_offices_marks_are_explained_and_never_cited_as_our_secrecy(election, client, tmp_path):
    m.Source.objects.filter(key="wahlamt").update(released=False, x_means="secret")
    path = write_csv(
        tmp_path / "wahl.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Wert",
            "stimmen-liste-x;05316000;14.09.2025;.",
            "stimmen-liste-x;05316000;28.09.2025;x",
            "stimmen-liste-x;05316000;30.09.2025;-",
        ],
    )
    _import(path)
    snapshot = _release()
    observations = [
        o for o in public_document(snapshot)["observations"] if o["indicator"] == "stimmen-liste-x"
    ]
    assert all("suppressed" not in o for o in observations)
    items = client.get("/api/v1/indicators/stimmen-liste-x/observations.json").json()["items"]
    assert [(o["flag"], o["suppressed"]) for o in items] == [(".", False), ("x", False), ("-", False)]
    (table,) = _tables(snapshot, "Stimmen für Liste X")
    notes = " ".join(table.notes)
    assert "BStatG" not in notes
    assert "„.“ = Zahlenwert unbekannt oder geheim zu halten" in notes
    assert "„x“ = Tabellenfach gesperrt aus Gründen der Geheimhaltung" in notes
    assert "„-“ = nichts vorhanden (genau null)" in notes


@pytest.mark.parametrize("released", [True, False])
def test_values_the_publisher_released_are_never_hidden_or_footnoted(election, client, tmp_path, released):
    """Small counts of an election result are published as the publisher did, with no § 16 BStatG
    footnote; the same figures from a source that did not release them are ours to hide."""
    m.Source.objects.filter(key="wahlamt").update(released=released)
    path = write_csv(
        tmp_path / "wahl.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Wert",
            "stimmen-liste-x;05316000;14.09.2025;2",
            "stimmen-liste-x;05316000;28.09.2025;1",
            "stimmen-liste-x;05316000;30.09.2025;7",
        ],
    )
    _import(path)
    snapshot = _release()
    items = client.get("/api/v1/indicators/stimmen-liste-x/observations.json").json()["items"]
    values = {o["date"]: o["value"] for o in items}
    notes = " ".join(n for b in _tables(snapshot, "Stimmen für Liste X") for n in b.notes)
    assert {o["date"]: o["suppressed"] for o in items} == {
        "2025-09-14": not released,
        "2025-09-28": not released,
        "2025-09-30": False,
    }
    if released:
        assert values == {"2025-09-14": "2", "2025-09-28": "1", "2025-09-30": "7"}
        assert "BStatG" not in notes
    else:
        assert values["2025-09-14"] is None and values["2025-09-28"] is None
        assert "§ 16 BStatG" in notes


def test_export_reads_back_with_sources_qualifiers_and_periods(demo, tmp_path):
    """`export-data` writes each observation's source, qualifier and period; importing the file
    changes nothing."""
    path = write_csv(
        tmp_path / "gemischt.csv",
        [
            "Kennzahl;Gebiet;Stichtag;Zeitraum;Wert;Quelle",
            "bevoelkerung;05316000;31.12.2019;;163.729;itnrw-bevoelkerung",
            "auszuege-private-wohnungen;05316000;2023/24;;rund 1.200;",
            "auszuege-private-wohnungen;05316000;31.12.2020;Bericht 2020;knapp 1.100;",
        ],
    )
    _import(path)
    out = tmp_path / "export.csv"
    call_command("export_data", str(out), format="csv")
    text = out.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    assert "qualifier" in header and "period" in header
    assert "approx" in text and "just_under" in text and "Bericht 2020" in text and "IT.NRW" in text
    before = list(m.Observation.objects.values_list("pk", "value", "qualifier", "period", "source"))
    _import(out)
    assert list(m.Observation.objects.values_list("pk", "value", "qualifier", "period", "source")) == before
    assert not m.ImportRecord.objects.filter(file_name="export.csv").exists()  # nothing to do


def test_concept_file_observations_state_qualifier_period_and_source(demo, demo_text):
    """Observations embedded in the concept file carry the same statements, and dump → load keeps them."""
    from imon.core import conceptfile

    text = demo_text.replace(
        "\nobservations:\n",
        "\nobservations:\n"
        "  - {indicator: auszuege-private-wohnungen, area: '05316000', date: 2023-12-31, value: 1200,"
        " qualifier: rund, period: 2023/24, source: itnrw-bevoelkerung}\n"
        "  - {indicator: auszuege-private-wohnungen, area: '05316000', date: 2024-12-31, value: 500,"
        " qualifier: more_than}\n",
        1,
    )
    conceptfile.load_text(text)
    stored = m.Observation.objects.get(
        indicator__key="auszuege-private-wohnungen", reference_date=datetime.date(2023, 12, 31)
    )
    assert (stored.qualifier, stored.period, stored.source.key) == ("approx", "2023/24", "itnrw-bevoelkerung")
    dumped = conceptfile.dump_text(m.Concept.objects.get())
    assert (
        "qualifier: approx" in dumped and "qualifier: more_than" in dumped and "period: '2023/24'" in dumped
    )
    with pytest.raises(conceptfile.ConceptFileError, match="qualifier"):
        conceptfile.load_text(text.replace("qualifier: rund", "qualifier: vielleicht"))


def test_a_share_of_stated_values_is_stated_too():
    from imon.core import imports

    d = datetime.date(2020, 12, 31)
    population = [("a", d, "", Decimal(1000), "", "")]
    more = imports.derive("share", [("a", d, "", Decimal(500), "", "more_than")], population)
    assert more == [("a", d, "", Decimal("50.000000"), "", "", "more_than")]
    about = imports.derive("share", [("a", d, "", Decimal(1200), "", "approx")], population)
    assert about[0][-1] == "approx"
    exact = imports.derive("share", [("a", d, "", Decimal(300), "", "")], population)
    assert exact == [("a", d, "", Decimal("30.000000"), "", "")]
    # more than 500 of more than 1,000: no bound at all
    unbounded = imports.derive(
        "share", [("a", d, "", Decimal(500), "", "more_than")], [("a", d, "", Decimal(1000), "", "more_than")]
    )
    assert unbounded == [("a", d, "", None, "x", "")]


def test_a_derived_share_of_an_approximate_count_is_shown_as_approximate(demo, tmp_path):
    population = m.Indicator.objects.create(key="einwohner-test", title="Einwohner", unit="Personen")
    count = m.Indicator.objects.create(key="auslaender", title="Ausländer/innen", unit="Personen")
    m.Indicator.objects.create(
        key="anteil-berechnet",
        title="Anteil",
        unit="%",
        kind="share",
        decimals=1,
        numerator=count,
        denominator=population,
    )
    path = write_csv(
        tmp_path / "anteil.csv",
        [
            "indicator;area;reference_date;value",
            "einwohner-test;05316000;31.12.2020;163.838",
            "auslaender;05316000;31.12.2020;rund 24.000",
        ],
    )
    _import(path)
    share = m.Observation.objects.get(indicator__key="anteil-berechnet")
    assert (share.qualifier, share.value) == ("approx", Decimal("14.6"))


def test_a_bound_beside_a_hidden_count_is_hidden_too(demo, tmp_path):
    """Thinking like an attacker: "mehr als 990" published beside a total of 1.000 would tell that
    the hidden rest (2) lies below 10; the bound is hidden with it."""
    path = write_csv(
        tmp_path / "gefluechtete.csv",
        [
            "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert",
            "gefluechtete;05316000;31.12.2021;insgesamt;1.000",
            "gefluechtete;05316000;31.12.2021;a_b;mehr als 990",
            "gefluechtete;05316000;31.12.2021;a;.",
            "gefluechtete;05316000;31.12.2021;b;.",
            "gefluechtete;05316000;31.12.2021;c;2",
        ],
    )
    _import(path)
    published = {
        o["dims"]["aufenthaltsstatus"]: o
        for o in public_document(_release())["observations"]
        if o["indicator"] == "gefluechtete" and o["date"] == "2021-12-31"
    }
    assert published["c"]["value"] is None and published["a_b"]["value"] is None
