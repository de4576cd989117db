"""Who does what by when (the timetable chapter and the controlling figures with their sums) and
the Mitteilungsvorlage that puts the report on the council's agenda."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from docx import Document

from imon.core import conceptfile, periods
from imon.core.models import Concept
from imon.reports import charts, document, snapshots, timebars, vorlage
from imon.reports.document.blocks import Figure, Heading, Table

CITY = """\
format_version: 1
municipality: {key: musterstadt, name: Stadt Musterstadt, ags: "06412000", office_name: Integrationsbüro}
concept:
  key: ik-musterstadt
  title: Integrationskonzept Musterstadt
  field_of_action_name: Themenfeld
  field_of_action_name_plural: Themenfelder
fields_of_action:
  - {code: "1", title: Sprache und Bildung}
  - {code: "2", title: Arbeit}
measures:
  - key: M1
    field_of_action: "1"
    title: Sprachcafé
    lead_unit: Volkshochschule
    status: in_progress
    start_date: 2. Halbjahr 2024
    end_date: fortlaufend
    participants: 120
    hours: 300
    cost: 12500.50
    funding: 10000
    funders:
      - {name: Land Hessen, programme: WIR-Programm, amount: 8000}
      - {name: Stiftung Lesen, amount: 2000}
    next_steps:
      - {key: "1", text: Räume suchen, due_date: 3. Quartal 2025, responsible: Amt für Schulen}
      - {key: "2", text: Flyer drucken, due_date: "2025", responsible: Pressestelle}
      - {key: "3", text: Kursleitungen gewinnen, due_date: 2025-03-31, responsible: Volkshochschule}
  - key: M2
    field_of_action: "1"
    title: Elternkurse
    lead_unit: Jugendamt
    status: planned
    start_date: 03/2025
    end_date: "2026"
    participants: 40
    cost: 2000
    traffic_light: red
    traffic_light_reason: Keine Räume in den Kitas frei
    funders:
      - {name: Land Hessen, programme: WIR-Programm, amount: 1500.50}
  - key: M3
    field_of_action: "2"
    title: Jobpatenschaften
    lead_unit: Jobcenter
    status: completed
    start_date: "2024"
    end_date: 12/2024
bodies:
  - {key: buero, name: Integrationsbüro, kind: staff_unit}
  - {key: ausschuss, name: Ausschuss für Soziales und Integration, kind: council_committee}
  - {key: beirat, name: Integrationsbeirat, kind: advisory_council}
"""
REPORTING_DATE = datetime.date(2025, 6, 30)


@pytest.fixture
def city(db):
    conceptfile.load_text(CITY)
    concept = Concept.objects.get()
    return json.loads(snapshots.encode(snapshots.collect(concept, "1. Umsetzungsbericht", REPORTING_DATE)))


def tables(report) -> dict[str, Table]:
    return {b.caption: b for b in report.blocks if isinstance(b, Table)}


def test_a_due_date_is_overdue_only_after_the_end_of_its_period():
    on = datetime.date(2025, 6, 30)
    assert not periods.overdue("2025", on)
    assert not periods.overdue("3. Quartal 2025", on)
    assert not periods.overdue("2. Quartal 2025", on)  # ends on the reporting date itself
    assert periods.overdue("1. Quartal 2025", on) and periods.overdue("2025-03-31", "2025-06-30")
    assert not periods.overdue(None, on) and not periods.overdue("fortlaufend", on)


def test_timetable_names_owner_due_date_as_written_status_and_overdue(city):
    report = document.build(city)
    steps = tables(report)["Nächste Schritte und Zeitplan"]
    assert steps.header == ["Maßnahme", "Nächster Schritt", "Verantwortlich", "Bis", "Status"]
    assert steps.rows == [  # by due date: the end of each period
        ["M1", "Kursleitungen gewinnen", "Volkshochschule", "31.03.2025", "überfällig"],
        ["M1", "Räume suchen", "Amt für Schulen", "3. Quartal 2025", "offen"],
        ["M1", "Flyer drucken", "Pressestelle", "2025", "offen"],
    ]
    measures = tables(report)["Maßnahmen im Zeitplan"]
    assert [r[0] for r in measures.rows] == ["M3", "M2", "M1"]  # ends 12/2024, 2026, fortlaufend
    assert measures.rows[0] == ["M3", "Jobpatenschaften", "Jobcenter", "2024", "12/2024", "umgesetzt"]
    assert measures.rows[1][2:] == ["Jugendamt", "03/2025", "2026", "geplant"]
    headings = [b.text for b in report.blocks if isinstance(b, Heading)]
    assert "Ausblick und Zeitplan" in headings


def test_a_measure_past_its_end_and_not_finished_is_overdue(city):
    city["measures"][2]["status"] = "in_progress"
    row = tables(document.build(city))["Maßnahmen im Zeitplan"].rows[0]
    assert row[0] == "M3" and row[-1] == "in Umsetzung, überfällig"


def test_controlling_figures_per_field_with_sums_in_the_citys_words(city):
    found = tables(document.build(city))
    assert "Controlling: Themenfeld 2" not in found  # no figures, no table
    table = found["Controlling: Themenfeld 1"]
    assert table.header == [
        "Nr.",
        "Maßnahme",
        "Teilnehmende",
        "Stunden",
        "Kosten (EUR)",
        "Drittmittel (EUR)",
    ]
    assert table.rows == [
        ["M1", "Sprachcafé", "120", "300", "12.500,50", "10.000,00"],
        ["M2", "Elternkurse", "40", "–", "2.000,00", "–"],
        ["", "Summe", "160", "300", "14.500,50", "10.000,00"],
    ]


def test_demo_timetable_lists_every_open_step_and_every_measure(demo):
    concept = Concept.objects.get()
    data = json.loads(snapshots.encode(snapshots.collect(concept, "Bericht", datetime.date(2019, 9, 16))))
    found = tables(document.build(data))
    steps = found["Nächste Schritte und Zeitplan"].rows
    open_steps = [s for m in data["measures"] for s in m.get("next_steps", []) if not s.get("done")]
    assert len(steps) == len(open_steps) == 3
    assert all(r[2].startswith("Dezernat III") and r[3] == "ohne Termin" and r[4] == "offen" for r in steps)
    measures = found["Maßnahmen im Zeitplan"].rows
    assert sorted(r[0] for r in measures) == sorted(m["key"] for m in data["measures"])


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    return "\n".join(parts)


def test_mitteilungsvorlage_has_period_counts_sums_and_the_bodies(city):
    text = docx_text(vorlage.docx(vorlage.build(city, today=datetime.date(2025, 7, 2))))
    assert "Mitteilungsvorlage" in text and "Datum: 02.07.2025" in text
    assert "Betreff: 1. Umsetzungsbericht zum Konzept „Integrationskonzept Musterstadt“" in text
    assert "Integrationsbeirat | – | Kenntnisnahme" in text
    assert "Ausschuss für Soziales und Integration | – | Kenntnisnahme" in text
    assert "Berichtszeitraum: bis zum Stichtag 30.06.2025 (erster Bericht)." in text
    assert "umgesetzt | 1" in text and "geplant | 1" in text and "Insgesamt | 3" in text
    assert "Kosten der Maßnahmen: 14.500,50 EUR" in text
    assert "Drittmittel: 10.000,00 EUR" in text and "Eigenanteil: 4.500,50 EUR" in text
    assert (
        "Anlage" in text
        and "1. Umsetzungsbericht – Integrationskonzept Musterstadt (Stand 30.06.2025)" in text
    )
    doc = Document(io.BytesIO(vorlage.docx(vorlage.build(city))))
    assert doc.core_properties.language == "de-DE" and doc.core_properties.author == "Integrationsbüro"


def test_mitteilungsvorlage_names_the_period_and_the_changes_since_the_last_report(city):
    previous = json.loads(json.dumps(city))
    previous["reporting_date"] = "2024-12-31"
    previous["measures"][1]["status"] = "preparing"
    text = docx_text(vorlage.docx(vorlage.build(city, previous)))
    assert "Berichtszeitraum: 01.01.2025 bis 30.06.2025." in text
    assert "M2 Elternkurse: Status von „in Vorbereitung“ zu „geplant“" in text


def test_report_command_writes_the_vorlage_of_the_demo(demo, tmp_path):
    snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))
    target = tmp_path / "vorlage.docx"
    call_command("report", "--format", "vorlage", "--out", str(target), stdout=io.StringIO())
    text = docx_text(target.read_bytes())
    assert "Ausschuss für Soziales, Gesundheit und Senioren | 16.09.2019 | Kenntnisnahme" in text
    assert "Berichtszeitraum: bis zum Stichtag 16.09.2019 (erster Bericht)." in text
    assert "in Umsetzung | 5" in text and "verstetigt | 1" in text and "Insgesamt | 9" in text
    assert "Keine. Die Maßnahmen nennen im Controlling keine Kosten" in text


def test_mitteilungsvorlage_sums_the_funders_and_points_to_what_needs_action(city):
    text = docx_text(vorlage.docx(vorlage.build(city, today=datetime.date(2025, 7, 2))))
    assert "Mittelgeber: Land Hessen (WIR-Programm): 9.500,50 EUR; Stiftung Lesen: 2.000,00 EUR" in text
    assert "Handlungsbedarf:" in text
    assert "M2 Elternkurse: Ampel rot: nicht im Plan (Keine Räume in den Kitas frei)" in text
    assert "Auf Handlungsbedarf bei 1 Maßnahme weist die Sachdarstellung hin." in text


def test_mitteilungsvorlage_names_a_measure_past_its_end(city):
    city["measures"][1]["end_date"] = "2025-03"  # Elternkurse should have ended in March
    text = docx_text(vorlage.docx(vorlage.build(city)))
    assert (
        "M2 Elternkurse: Ampel rot: nicht im Plan (Keine Räume in den Kitas frei); "
        "Laufzeit bis 03/2025 überschritten, nicht abgeschlossen" in text
    )


def figures(report) -> dict[str, Figure]:
    return {b.caption: b for b in report.blocks if isinstance(b, Figure)}


def test_time_bars_run_from_the_first_day_of_the_start_to_the_last_day_of_the_end():
    spans, undated = timebars.measure_spans(
        [
            {
                "key": "A",
                "title": "a",
                "status": "in_progress",
                "start_date": "2. Halbjahr 2021",
                "end_date": "2026",
            },
            {
                "key": "B",
                "title": "b",
                "status": "planned",
                "start_date": "03/2025",
                "end_date": "fortlaufend",
            },
            {
                "key": "C",
                "title": "c",
                "status": "delayed",
                "start_date": "2023",
                "end_date": "1. Quartal 2025",
            },
            {"key": "D", "title": "d", "status": "completed", "start_date": "2022", "end_date": "2024"},
            {"key": "E", "title": "e", "status": "planned", "end_date": "2027"},
        ],
        lambda status: status,
        on="2025-06-30",
    )
    assert [s.key for s in spans] == ["A", "D", "C", "B"]  # by start
    a, d, c, b = spans
    assert (a.start, a.end) == (datetime.date(2021, 7, 1), datetime.date(2027, 1, 1))
    assert b.end is None and b.end_text == "fortlaufend"
    assert c.overdue and not d.overdue  # past its end: only what is not finished is overdue
    assert not a.overdue and not b.overdue
    assert [m["key"] for m in undated] == ["E"]  # no start: not drawn
    assert timebars.year_position(datetime.date(2021, 7, 1)) == Decimal("2021.496")


def test_the_timetable_draws_the_measures_over_the_concepts_period(city):
    city["concept"]["valid_from"] = "2020-01-01"
    city["concept"]["valid_until"] = "2027-12-31"
    figure = figures(document.build(city))["Laufzeit der Maßnahmen"]
    spec = figure.chart
    assert spec.kind == "timebar" and spec.span == (Decimal(2020), Decimal(2028))
    header, rows = figure.table
    assert header == ["Maßnahme", "Beginn", "Ende", "Status"]
    assert rows == [  # as the city wrote the dates, in order of start
        ["M3 Jobpatenschaften", "2024", "12/2024", "umgesetzt"],
        ["M1 Sprachcafé", "2. Halbjahr 2024", "fortlaufend", "in Umsetzung"],
        ["M2 Elternkurse", "03/2025", "2026", "geplant"],
    ]
    assert "Zeitbalkendiagramm: Laufzeit der Maßnahmen" in figure.alt
    assert "Am frühesten beginnt M3 Jobpatenschaften (2024)." in figure.alt
    assert "Am spätesten endet M2 Elternkurse (2026)." in figure.alt
    assert "1 Maßnahme läuft ohne festes Ende." in figure.alt
    assert "Stand 30.06.2025: 1 umgesetzt, 1 in Umsetzung, 1 geplant; keine überfällig." in figure.alt
    drawn = charts.render_svg(spec).split("</desc>")[1]  # the picture's own text
    for words in ("Stichtag 30.06.2025", "fortlaufend", "2020", "2028", "umgesetzt", "geplant"):
        assert words in drawn
    assert "überfällig" not in drawn


def test_a_bar_past_its_end_says_overdue_in_words(city):
    city["measures"][2]["status"] = "in_progress"  # M3 ended 12/2024
    figure = figures(document.build(city))["Laufzeit der Maßnahmen"]
    assert figure.table[1][0][-1] == "in Umsetzung, überfällig"
    assert "davon 1 überfällig." in figure.alt
    assert "überfällig" in charts.render_svg(figure.chart).split("</desc>")[1]


@pytest.mark.parametrize("width_cm", [charts.WIDTH_CM, 8.0])
def test_the_names_beside_the_time_bars_never_overlap(width_cm):
    """Fifteen measures with names of two lines each and six statuses (a legend of three rows,
    which the plot must not lose its height to): each name is clear of its neighbours."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    names = [
        "Migrantenorganisationen in den Quartieren verankern",
        "Anerkennung von Abschlüssen weiterentwickeln",
    ]
    statuses = ["in_progress", "unknown", "established", "delayed", "planned", "preparing"]
    measures = [
        {
            "key": f"B{i}",
            "title": names[i % 2],
            "status": statuses[i % 6],
            "start_date": f"{2018 + i % 5}",
            "end_date": "fortlaufend" if i % 3 else "2026",
        }
        for i in range(timebars.MAX_BARS)
    ]
    spans, _undated = timebars.measure_spans(measures, lambda status: f"Status {status}", on="2030-12-31")
    fig = timebars.draw(timebars.chart(spans, "Laufzeit", "2030-12-31"), width_cm, None)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    texts = ax.get_yticklabels() if width_cm >= 12 else [t for t in ax.texts if t.get_text().startswith("B")]
    boxes = sorted((t.get_window_extent(renderer) for t in texts if t.get_text()), key=lambda box: box.y0)
    assert len(boxes) == timebars.MAX_BARS and all("\n" in t.get_text() for t in texts if t.get_text())
    assert all(lower.y1 <= upper.y0 for lower, upper in zip(boxes, boxes[1:]))


def test_many_measures_get_one_time_bar_picture_per_field(city):
    template = city["measures"][1]
    city["measures"] = [
        dict(template, key=f"M{i}", field_of_action="1" if i % 2 else "2")
        for i in range(timebars.MAX_BARS + 10)
    ]
    found = [f for f in figures(document.build(city)) if f.startswith("Laufzeit der Maßnahmen")]
    assert found == ["Laufzeit der Maßnahmen: Themenfeld 1", "Laufzeit der Maßnahmen: Themenfeld 2"]


def test_no_time_bars_where_no_measure_has_a_start(city):
    for measure in city["measures"]:
        measure.pop("start_date", None)
    assert "Laufzeit der Maßnahmen" not in figures(document.build(city))
