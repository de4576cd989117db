"""Loading a concept file changes nothing without a word: a record is updated only in the fields
the file gives, a field written empty is cleared, records the file leaves out stay unless
`--prune` deletes them, and `--dry-run` lists every change (old → new) while writing nothing."""

import io

from django.core.management import call_command

from imon.core import conceptfile
from imon.core import models as m

PARTIAL = """\
format_version: 1
municipality: {key: leverkusen, name: Stadt Leverkusen, ags: "05316000"}
concept: {key: ik-leverkusen-2017, title: Gesamtstädtisches Integrationskonzept der Stadt Leverkusen}
fields_of_action:
  - {code: C, title: Interkulturelle Öffnung und Zusammenleben}
measures:
  - {key: C1, field_of_action: C, title: Teilnahme an der Landesinitiative, status: completed%s}
"""


def write(tmp_path, text, name="teil.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored(key="C1"):
    measure = m.Measure.objects.get(key=key)
    return {
        "description": measure.description,
        "lead_unit": measure.lead_unit,
        "partners": measure.partners,
        "programme": measure.programme,
        "goals": sorted(measure.goals.values_list("key", flat=True)),
        "indicators": sorted(measure.indicators.values_list("key", flat=True)),
        "next_steps": sorted(measure.next_steps.values_list("key", flat=True)),
    }


def test_a_field_left_out_stays_as_stored(demo, tmp_path):
    before = stored()
    field = m.FieldOfAction.objects.get(code="C")
    assert before["description"] and before["goals"] and before["next_steps"] and field.description
    stats = conceptfile.load_text(io.BytesIO((PARTIAL % "").encode()))
    after = stored()
    assert after == before
    measure = m.Measure.objects.get(key="C1")
    assert measure.title == "Teilnahme an der Landesinitiative" and measure.status == "completed"
    assert m.FieldOfAction.objects.get(code="C").description == field.description
    changed = {(c.path, c.key): {name for name, _old, _new in c.fields} for c in stats.changes}
    assert changed[("measures[0]", "C1")] == {"title", "status"}
    assert m.Measure.objects.count() > 1 and m.Indicator.objects.filter(rules__isnull=False).exists()


def test_a_field_written_empty_is_cleared(demo):
    conceptfile.load_text(io.BytesIO((PARTIAL % ", description: '', partners: '', goals: []").encode()))
    after = stored()
    assert after["description"] == "" and after["partners"] == "" and after["goals"] == []
    assert after["lead_unit"]  # not written: stays


def test_dry_run_lists_every_change_and_writes_nothing(demo, tmp_path):
    before = stored()
    out = io.StringIO()
    call_command("load_concept", str(write(tmp_path, PARTIAL % ", partners: ''")), dry_run=True, stdout=out)
    text = out.getvalue()
    assert "measures[0] (C1)" in text
    assert "status: in_progress → completed" in text
    assert "partners: Fachgruppe Integration als Bündnis-Kerngruppe der Initiative → –" in text
    assert "es wurde nichts geschrieben" in text
    assert stored() == before and m.Measure.objects.get(key="C1").status == "in_progress"


def test_records_are_deleted_only_with_prune_and_the_dry_run_lists_them_first(demo, tmp_path):
    path = write(tmp_path, PARTIAL % "")
    count = m.Measure.objects.count()
    out = io.StringIO()
    call_command("load_concept", str(path), stdout=out)
    assert m.Measure.objects.count() == count  # the file lists one measure; the others stay
    others = m.Measure.objects.exclude(key="C1").count()
    assert f"measures ({others}):" in out.getvalue() and "--prune" in out.getvalue()
    out = io.StringIO()
    call_command("load_concept", str(path), dry_run=True, prune=True, stdout=out)
    other = m.Measure.objects.exclude(key="C1").order_by("key").first().key
    assert f"measures ({other})" in out.getvalue() and m.Measure.objects.count() == count
    call_command("load_concept", str(path), prune=True, stdout=io.StringIO())
    assert list(m.Measure.objects.values_list("key", flat=True)) == ["C1"]
    assert list(m.FieldOfAction.objects.values_list("code", flat=True)) == ["C"]


def test_warnings_of_the_rules_are_shown(db, tmp_path):
    """A rule of severity warning does not stop the load, but its finding is printed."""
    from importlib import resources

    text = resources.files("imon.core").joinpath("demo/leverkusen.yaml").read_text(encoding="utf-8")
    rule = "- {kind: part_sum, dimension: haushaltsgroesse, total: insgesamt}"
    assert rule in text and "haushaltsgroesse: insgesamt}, value: 640}" in text
    text = text.replace(rule, rule[:-1] + ", severity: warning}", 1)
    text = text.replace(
        "haushaltsgroesse: insgesamt}, value: 640}", "haushaltsgroesse: insgesamt}, value: 641}"
    )
    err = io.StringIO()
    call_command("load_concept", str(write(tmp_path, text, "demo.yaml")), stdout=io.StringIO(), stderr=err)
    assert "Warnung:" in err.getvalue() and "641" in err.getvalue()
    assert m.Observation.objects.filter(value=641).exists()


CODES = """\
format_version: 1
municipality: {key: musterstadt, name: Musterstadt, ags: "06999000", state: Hessen}
concept: {key: ik-2024, title: Integrationskonzept Musterstadt}
fields_of_action:
  - {code: "1", title: Sprache}
  - {code: "2.3", title: Arbeit}
  - {code: HF1, title: Wohnen}
  - {code: IV, title: Gesundheit}
measures:
  - {key: M1, field_of_action: "2.3", title: Jobpaten, status: in_progress}
  - {key: M2, field_of_action: IV, title: Gesundheitslotsen, status: planned}
"""


def test_fields_of_action_keep_the_codes_the_city_uses(db, client):
    import datetime

    from imon.portal import content
    from imon.reports import snapshots

    conceptfile.load_text(io.BytesIO(CODES.encode()))
    assert sorted(m.FieldOfAction.objects.values_list("code", flat=True)) == ["1", "2.3", "HF1", "IV"]
    assert m.Measure.objects.get(key="M1").field_of_action.code == "2.3"
    content._LATEST.clear()
    snapshots.publish(snapshots.create("Bericht", datetime.date(2024, 12, 31)))
    for code in ("1", "2.3", "hf1", "iv"):
        assert client.get(f"/portal/de/handlungsfelder/{code}/").status_code == 200, code
    page = client.get("/portal/de/handlungsfelder/2.3/").content.decode()
    assert "Jobpaten" in page


def test_a_bad_code_is_one_problem_that_names_the_allowed_form():
    text = CODES.replace("{code: IV, title: Gesundheit}", '{code: "I V", title: Gesundheit}').replace(
        "field_of_action: IV", 'field_of_action: "I V"'
    )
    try:
        conceptfile.load_text(io.BytesIO(text.encode()))
    except conceptfile.ConceptFileError as error:
        problems = [str(p) for p in error.problems]
    else:
        raise AssertionError("a code with a space must be refused")
    assert len(problems) == 1, problems
    assert "fields_of_action[3].code" in problems[0] and "'I V'" in problems[0] and "HF1" in problems[0]


def test_prune_leaves_the_records_of_another_concept_alone(demo, tmp_path):
    """Two concepts in one installation: pruning with one concept's file deletes nothing of the other."""
    leverkusen = set(m.Measure.objects.values_list("key", flat=True))
    call_command("load_concept", str(write(tmp_path, CODES, "zweite.yaml")), prune=True, stdout=io.StringIO())
    assert (
        set(
            m.Measure.objects.filter(field_of_action__concept__key="ik-leverkusen-2017").values_list(
                "key", flat=True
            )
        )
        == leverkusen
    )
    second = m.Measure.objects.filter(field_of_action__concept__key="ik-2024").values_list("key", flat=True)
    assert set(second) == {"M1", "M2"}


def test_a_changed_figure_is_listed_by_the_dry_run(demo, tmp_path):
    """A figure is a record too: the dry run names it with its old and new value."""
    text = PARTIAL % "" + (
        "indicators: [{key: bevoelkerung, title: Bevölkerung, unit: Personen}]\n"
        "areas: [{key: '05316000', name: Leverkusen, kind: county}]\n"
        "observations:\n"
        "  - {indicator: bevoelkerung, area: '05316000', date: 2017-12-31, value: 166738}\n"
        "  - {indicator: bevoelkerung, area: '05316000', date: 2019-12-31, value: 163729}\n"
    )
    out = io.StringIO()
    call_command("load_concept", str(write(tmp_path, text)), dry_run=True, stdout=out)
    listed = out.getvalue()
    assert "observations (bevoelkerung 05316000 2017-12-31)" in listed
    assert "value: 166.737 → 166.738" in listed  # German digits, as every figure the program shows
    assert "neu: observations (1 neuer Wert)" in listed


# A new user's concept with six typical mistakes, written by hand.
MISTAKES = """\
format_version: 1
municipality: {key: birkenau, name: Landkreis Birkenau, ags: "14799000"}
concept:
  key: ik-birkenau
  title: Integrationskonzept Birkenau
  editions:
    - {key: "2018", title: Konzept 2018}
    - {key: "2024", title: Fortschreibung 2024}
fields_of_action:
  - {code: I, title: Sprache}
  - {code: II, title: Arbeit}
goals:
  - {key: z1, field_of_action: I, titel: Deutsch für alle}
  - {key: z2, field_of_action: II, title: Arbeit, traffic_light: yellow}
indicators:
  - {key: ew, title: Einwohner, unit: Personen}
measures:
  - {key: m1, field_of_action: I, title: Kurs, start_date: Herbst 2019}
  - {key: m2, field_of_action: II, title: Lotsen, also_fields_of_action: [II]}
  - {key: m3, field_of_action: I, title: Café, since: "2022"}
observations:
  - {indicator: ew, area: "14799000", date: 2024-12-31, value: 1.200}
areas:
  - {key: "14799000", name: Birkenau, kind: county}
"""


def test_each_mistake_is_one_clear_problem_in_the_order_of_the_file(db):
    import pytest

    from imon.core.conceptfile import ConceptFileError

    with pytest.raises(ConceptFileError) as caught:
        conceptfile.load_text(io.BytesIO(MISTAKES.encode()))
    problems = [str(p) for p in caught.value.problems]
    assert [p.split(":")[0] for p in problems] == [
        "goals[0].titel",  # a misspelt field, not also "title is required"
        "goals[1].traffic_light_reason",
        "measures[0].start_date",
        "measures[1].also_fields_of_action[0]",
        "measures[2].since",
        "observations[0].value",
    ]
    assert "meinten Sie 'title'?" in problems[0]
    # YAML reads 1.200 as 1.2: never stored as 1.2 people
    assert "1200, nicht 1.200" in problems[5]
    assert not m.Observation.objects.exists()


def test_sections_named_by_a_null_or_a_number_are_problems_not_a_crash(db):
    """Found by fuzzing: problems are sorted by their place in the file, also where the section's
    name is no text."""
    import pytest

    from imon.core.conceptfile import ConceptFileError

    with pytest.raises(ConceptFileError) as caught:
        conceptfile.load_text(io.BytesIO(b"~: 1\n12: x\nmeasures: [{}]\n"))
    assert len(caught.value.problems) >= 3
