"""The concept file: round trip, idempotent loading, and clear German errors that write nothing."""

import copy
import datetime
from decimal import Decimal

import pytest

from imon.core import conceptfile, yamlio
from imon.core import models as m

ALL_MODELS = [
    m.Municipality,
    m.Area,
    m.Concept,
    m.FieldOfAction,
    m.StrategicGoal,
    m.Goal,
    m.Measure,
    m.NextStep,
    m.Body,
    m.Meeting,
    m.Decision,
    m.Source,
    m.Dimension,
    m.DimensionValue,
    m.Indicator,
    m.Observation,
    m.ContactPoint,
]


def counts():
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def dump_current() -> str:
    return conceptfile.dump_text(m.Concept.objects.get())


def empty_database():
    m.Indicator.objects.update(numerator=None, denominator=None)
    m.Area.objects.update(parent=None)
    for model in [
        m.Observation,
        m.Decision,
        m.NextStep,
        m.Meeting,
        m.Measure,
        m.Goal,
        m.ContactPoint,
        m.Indicator,
        m.DimensionValue,
        m.Dimension,
        m.Source,
        m.StrategicGoal,
        m.FieldOfAction,
        m.Concept,
        m.Body,
        m.Area,
        m.Municipality,
    ]:
        model.objects.all().delete()
    assert sum(counts().values()) == 0


@pytest.fixture
def demo_data(demo_text):
    return yamlio.load(demo_text)


def test_dump_load_dump_is_identical(demo):
    first = dump_current()
    empty_database()
    conceptfile.load_text(first)
    assert dump_current() == first


def test_dump_keeps_every_record(demo, demo_data):
    dumped = yamlio.load(dump_current())
    for section in ("areas", "fields_of_action", "sources", "dimensions", "indicators", "goals", "measures"):
        assert len(dumped[section]) == len(demo_data[section]), section
    assert len(dumped["contact_points"]) == len(demo_data["contact_points"])
    assert len(dumped["observations"]) == len(demo_data["observations"])


def test_loading_twice_changes_nothing(demo, demo_text):
    before, text_before = counts(), dump_current()
    stats = conceptfile.load_text(demo_text)
    assert (stats.created, stats.updated) == (0, 0)
    assert stats.unchanged > 100
    assert counts() == before
    assert dump_current() == text_before


def test_loading_a_changed_file_updates_by_key(demo, demo_data):
    data = copy.deepcopy(demo_data)
    data["measures"][0]["title"] = "Neuer Titel"
    data["measures"][0]["next_steps"][0]["due_date"] = datetime.date(2020, 3, 31)
    data["observations"][0]["value"] = 166082
    before = counts()
    stats = conceptfile.load_text(yamlio.dump(data))
    assert stats.updated == 3 and stats.created == 0
    assert counts() == before
    measure = m.Measure.objects.get(key="C1")
    assert measure.title == "Neuer Titel"
    assert measure.next_steps.get(key="1").due_date == datetime.date(2020, 3, 31)
    assert (
        m.Observation.objects.get(indicator__key="bevoelkerung", reference_date="2016-12-31").value == 166082
    )


def test_records_missing_from_the_file_are_kept(demo, demo_data):
    data = copy.deepcopy(demo_data)
    del data["measures"][-1]
    conceptfile.load_text(yamlio.dump(data))
    assert m.Measure.objects.filter(key=demo_data["measures"][-1]["key"]).exists()


def test_leading_zeros_and_words_are_not_turned_into_numbers_or_booleans(db, demo_text):
    text = demo_text.replace('ags: "05316000"', "ags: 05316000")
    text = text.replace(
        "  - key: ki-leverkusen\n", "  - key: ki-leverkusen\n    languages: [de, no, tr]\n", 1
    )
    assert "ags: 05316000" in text and "languages: [de, no, tr]" in text
    conceptfile.load_text(text)
    assert m.Municipality.objects.get().ags == "05316000"
    assert m.ContactPoint.objects.get(key="ki-leverkusen").languages == ["de", "no", "tr"]
    assert m.ContactPoint.objects.get(key="ki-leverkusen").opening_hours.startswith("Mo–Do 9:00")


def test_german_dates_and_decimal_commas_are_understood(db, demo_data):
    data = copy.deepcopy(demo_data)
    data["meetings"][0]["date"] = "07.05.2019"
    data["observations"][2]["value"] = Decimal("15.1")
    conceptfile.load_text(yamlio.dump(data))
    assert m.Meeting.objects.get(key="workshop-2019-05-07").date == datetime.date(2019, 5, 7)
    share = m.Observation.objects.get(indicator__key="anteil-auslaendisch", reference_date="2016-12-31")
    assert share.value == Decimal("15.1")


def _set(path, value):
    def mutate(data):
        target = data
        *parents, last = path
        for step in parents:
            target = target[step]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return mutate


DELETE = object()

INVALID = {
    "wrong type": (_set(["measures", 0, "progress"], "viel"), "measures[0].progress", "ganze Zahl"),
    "unknown status": (_set(["measures", 3, "status"], "fertig"), "measures[3].status", "'fertig'"),
    "duplicate key": (_set(["measures", 1, "key"], "C1"), "measures[1].key", "'C1'"),
    "dangling reference": (
        _set(["measures", 0, "indicators"], ["gibt-es-nicht"]),
        "measures[0].indicators[0]",
        "'gibt-es-nicht'",
    ),
    "bad date": (_set(["meetings", 0, "date"], "2019-02-30"), "meetings[0].date", "'2019-02-30'"),
    "negative count": (_set(["measures", 0, "participants"], -5), "measures[0].participants", "-5"),
    "unknown field of action": (
        _set(["measures", 0, "field_of_action"], "Z"),
        "measures[0].field_of_action",
        "'Z'",
    ),
    "negative observed count": (_set(["observations", 0, "value"], -1), "observations[0].value", "-1"),
    "share above 100": (_set(["observations", 2, "value"], 151), "observations[2].value", "151"),
    "unknown field": (_set(["measures", 0, "statuss"], "planned"), "measures[0].statuss", "unbekanntes Feld"),
    "missing required field": (
        _set(["fields_of_action", 0, "title"], DELETE),
        "fields_of_action[0].title",
        "",
    ),
    "red light without reason": (
        _set(["measures", 0, "traffic_light"], "red"),
        "measures[0].traffic_light_reason",
        "",
    ),
    "end before start": (
        lambda d: d["measures"][0].update(
            start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2019, 1, 1)
        ),
        "measures[0].end_date",
        "",
    ),
    "symbol with a value": (_set(["observations", 0, "flag"], "."), "observations[0].value", "'.'"),
    "unknown symbol": (_set(["observations", 1, "flag"], "*"), "observations[1].flag", "'*'"),
    "missing value": (_set(["observations", 1, "value"], DELETE), "observations[1].value", ""),
    "wrong disaggregation": (
        _set(["observations", 6, "dims"], {"haushaltsgroesse": "1"}),
        "observations[6].dims",
        "",
    ),
    "unknown dimension value": (
        _set(["observations", 6, "dims"], {"altersgruppe": "99plus"}),
        "observations[6].dims.altersgruppe",
        "'99plus'",
    ),
    "duplicate observation": (
        lambda d: d["observations"].append(dict(d["observations"][0])),
        "observations[88]",
        "observations[0]",
    ),
    "bad AGS": (_set(["municipality", "ags"], "5316000"), "municipality.ags", "'5316000'"),
    "area cycle": (_set(["areas", 0, "parent"], "lev-wiesdorf"), "areas[0].parent", ""),
    "bad e-mail": (
        _set(["contact_points", 0, "email"], "ki at leverkusen"),
        "contact_points[0].email",
        "'ki at leverkusen'",
    ),
    "unknown section": (_set(["massnahmen"], []), "massnahmen", ""),
    "newer format": (_set(["format_version"], 2), "format_version", "2"),
    "text too long for the database": (_set(["measures", 0, "title"], "x" * 600), "measures[0].title", "600"),
}


@pytest.mark.parametrize("kind", sorted(INVALID))
def test_invalid_file_is_rejected_with_its_path_and_nothing_written(db, demo_data, kind):
    mutate, path, fragment = INVALID[kind]
    data = copy.deepcopy(demo_data)
    mutate(data)
    with pytest.raises(conceptfile.ConceptFileError) as excinfo:
        conceptfile.load_text(yamlio.dump(data))
    problems = excinfo.value.problems
    matching = [p for p in problems if p.path == path]
    assert matching, f"no problem at {path}: {[str(p) for p in problems]}"
    assert fragment in matching[0].message
    assert sum(counts().values()) == 0


def test_invalid_file_leaves_a_loaded_concept_untouched(demo, demo_data):
    before = dump_current()
    data = copy.deepcopy(demo_data)
    data["measures"][0]["title"] = "Geändert"
    data["measures"][3]["status"] = "fertig"
    with pytest.raises(conceptfile.ConceptFileError):
        conceptfile.load_text(yamlio.dump(data))
    assert dump_current() == before


def test_error_messages_are_german(db, demo_data):
    data = copy.deepcopy(demo_data)
    data["measures"][3]["status"] = "fertig"
    with pytest.raises(conceptfile.ConceptFileError) as excinfo:
        conceptfile.load_text(yamlio.dump(data))
    assert str(excinfo.value.problems[0]).startswith("measures[3].status: 'fertig' ist kein")


def test_yaml_syntax_error_names_the_line(db):
    with pytest.raises(conceptfile.ConceptFileError) as excinfo:
        conceptfile.load_text("municipality:\n  key: [unclosed\n")
    assert "Zeile" in str(excinfo.value)


@pytest.mark.parametrize("text", ["", "just text", "- a\n- b\n"])
def test_a_file_without_a_concept_is_rejected(db, text):
    with pytest.raises(conceptfile.ConceptFileError):
        conceptfile.load_text(text)
    assert sum(counts().values()) == 0


def test_every_problem_is_reported_at_once(db, demo_data):
    data = copy.deepcopy(demo_data)
    data["measures"][0]["status"] = "fertig"
    data["measures"][1]["progress"] = 140
    data["observations"][0]["value"] = -3
    with pytest.raises(conceptfile.ConceptFileError) as excinfo:
        conceptfile.load_text(yamlio.dump(data))
    paths = {p.path for p in excinfo.value.problems}
    assert {"measures[0].status", "measures[1].progress", "observations[0].value"} <= paths


def test_a_second_municipality_with_the_same_ags_is_refused(demo, demo_text):
    from imon.core import conceptfile
    from imon.core import models as m

    changed = demo_text.replace("key: leverkusen", "key: leverkusen-2", 1)
    assert changed != demo_text
    with pytest.raises(conceptfile.ConceptFileError) as error:
        conceptfile.load_text(changed)
    assert "municipality: steht im Widerspruch zu einem gespeicherten Datensatz" in str(
        error.value.problems[0]
    )
    assert list(m.Municipality.objects.values_list("key", flat=True)) == ["leverkusen"]
