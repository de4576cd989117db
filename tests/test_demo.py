"""The Leverkusen demo holds every figure and measure of the seed, and the admin shows them in German."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from imon.core import conceptfile, yamlio
from imon.core import models as m

LEV = "05316000"

# Every figure of shared/seed/reading.md §3.1–3.7: (indicator, reference date, disaggregation, value).
SEED_FIGURES = [
    ("bevoelkerung", "2016-12-31", {}, "166081"),
    ("bevoelkerung", "2017-12-31", {}, "166737"),
    ("anteil-auslaendisch", "2016-12-31", {}, "15.1"),
    ("anteil-auslaendisch", "2017-12-31", {}, "15.7"),
    ("anteil-auslaendisch-doppelt", "2016-12-31", {}, "25.9"),
    ("anteil-auslaendisch-doppelt", "2017-12-31", {}, "26.7"),
    ("migrationshintergrund-zensus2011", "2011-05-09", {"altersgruppe": "insgesamt"}, "50940"),
    ("migrationshintergrund-zensus2011", "2011-05-09", {"altersgruppe": "0-64"}, "44160"),
    ("migrationshintergrund-zensus2011", "2011-05-09", {"altersgruppe": "65plus"}, "6780"),
    ("anteil-migrationshintergrund-zensus2011", "2011-05-09", {}, "32.1"),
    ("migrationshintergrund-zensus2011-altersanteil", "2011-05-09", {"altersgruppe": "0-64"}, "87"),
    ("migrationshintergrund-zensus2011-altersanteil", "2011-05-09", {"altersgruppe": "65plus"}, "13"),
    *[
        ("gefluechtete", f"{year}-12-31", {"aufenthaltsstatus": status}, value)
        for year, row in {2017: (4675, 4287, 605, 3682, 388), 2018: (4850, 4502, 627, 3875, 348)}.items()
        for status, value in zip(("insgesamt", "a_b", "a", "b", "c"), map(str, row))
    ],
    ("asylblg-leistungsempfaenger", "2017-12-31", {}, "999"),
    ("asylblg-leistungsempfaenger", "2018-12-31", {}, "977"),
    *[
        ("gefluechtete-azr-alter", "2018-12-31", {"altersgruppe": age, "aufenthaltsstatus": status}, value)
        for age, row in {"18-27": (168, 798, 82, 1048), "insgesamt": (627, 3875, 348, 4850)}.items()
        for status, value in zip(("a", "b", "c", "insgesamt"), map(str, row))
    ],
    *[
        ("wohnungssuchende-haushalte", "2018-12-31", {"haushaltsgroesse": str(size)}, str(value))
        for size, value in zip(range(1, 12), (402, 54, 31, 51, 37, 34, 18, 9, 2, 1, 1))
    ],
    ("wohnungssuchende-haushalte", "2018-12-31", {"haushaltsgroesse": "insgesamt"}, "640"),
    *[
        ("wohnungssuchende-personen", "2018-12-31", {"haushaltsgroesse": str(size)}, str(value))
        for size, value in zip(range(1, 12), (402, 108, 93, 204, 185, 204, 126, 72, 18, 10, 11))
    ],
    ("wohnungssuchende-personen", "2018-12-31", {"haushaltsgroesse": "insgesamt"}, "1433"),
    ("auslaender-alter", "2018-12-31", {"altersgruppe": "insgesamt"}, "26998"),
    ("auslaender-alter", "2018-12-31", {"altersgruppe": "0-64"}, "24004"),
    ("auslaender-alter", "2018-12-31", {"altersgruppe": "65plus"}, "2994"),
    ("auslaender-altersanteil", "2018-12-31", {"altersgruppe": "0-64"}, "89"),
    ("auslaender-altersanteil", "2018-12-31", {"altersgruppe": "65plus"}, "11"),
]

# The published comparison figures of the demo (area, indicator, date, value), as the offices
# published them: Zensus 2011 shares (IT.NRW, Destatis press releases of 2014) and the
# population of the Kreise around Leverkusen (IT.NRW, as tabled in the VRS Verbundbericht).
COMPARISON_FIGURES = [
    ("05", "anteil-migrationshintergrund-zensus2011", "2011-05-09", "24.5"),
    ("DG", "anteil-migrationshintergrund-zensus2011", "2011-05-09", "19.2"),
    ("05358", "anteil-migrationshintergrund-zensus2011", "2011-05-09", "19.1"),
    *[
        (area, "bevoelkerung-amtlich", f"{year}-12-31", str(value))
        for area, row in {
            "05314000": (330579, 331885, 336465),
            "05315000": (1083498, 1073096, 1084831),
            LEV: (163905, 163851, 165748),
            "05362": (469611, 471891, 478126),
            "05366": (194359, 194701, 197247),
            "05374": (271699, 271621, 275404),
            "05378": (283275, 283429, 286213),
            "05382": (600375, 600732, 608335),
        }.items()
        for year, value in zip((2020, 2021, 2022), row)
    ],
]

# Every measure and next step of reading.md §4, by a phrase that identifies it.
SEED_MEASURES = [
    "Gemeinsam klappt's",
    "Fachgespräche",
    "Willkommensordner",
    "Azubi-WGs",
    "Wohnbedarf",
    "Bedarfslagen",
    "Quartierslotsinnen",
    "Leverkusener Modell",
    "AG Altenhilfe und Pflege",
    "Pioniermodellen",
    "Bedarfe erheben",
    "Anlaufstellen",
]


def test_demo_holds_every_seed_figure(demo):
    for indicator, date, dims, value in SEED_FIGURES:
        obs = m.Observation.objects.get(
            indicator__key=indicator, area__key=LEV, reference_date=date, dim_key=m.dimension_key(dims)
        )
        assert obs.value == Decimal(value), (indicator, date, dims)
    for area, indicator, date, value in COMPARISON_FIGURES:
        obs = m.Observation.objects.get(indicator__key=indicator, area__key=area, reference_date=date)
        assert obs.value == Decimal(value), (area, indicator, date)
    assert m.Observation.objects.count() == len(SEED_FIGURES) + len(COMPARISON_FIGURES)


def test_dump_of_the_demo_contains_every_figure_and_measure(demo):
    text = conceptfile.dump_text(m.Concept.objects.get())
    data = yamlio.load(text)
    dumped = {
        (o["indicator"], o["area"], o["date"].isoformat(), m.dimension_key(o.get("dims", {}))): o["value"]
        for o in data["observations"]
    }
    for indicator, date, dims, value in SEED_FIGURES:
        assert dumped[(indicator, LEV, date, m.dimension_key(dims))] == Decimal(value)
    for area, indicator, date, value in COMPARISON_FIGURES:
        assert dumped[(indicator, area, date, "")] == Decimal(value)
    for phrase in SEED_MEASURES:
        assert phrase in text, phrase


def test_indicator_without_values_in_the_seed_exists_empty(demo):
    indicator = m.Indicator.objects.get(key="auszuege-private-wohnungen")
    assert indicator.observations.count() == 0
    assert "nicht lesbar" in indicator.note


def test_demo_has_eight_fields_governance_and_workshop(demo):
    concept = m.Concept.objects.get()
    assert [f.code for f in concept.fields_of_action.all()] == list("ABCDEFGH")
    assert concept.municipality.ags == "05316000"
    assert {b.kind for b in m.Body.objects.all()} >= {
        "staff_unit",
        "controlling_group",
        "expert_group",
        "executive_board",
    }
    workshop = m.Meeting.objects.get(date="2019-05-07")
    assert workshop.kind == "workshop"
    assert {b.key for b in workshop.other_bodies.all()} == {"controlling-gruppe"}
    assert workshop.decisions.count() == 3
    c1 = m.Measure.objects.get(key="C1")
    assert "Gemeinsam klappt's" in c1.programme
    assert c1.next_steps.count() == 3


def test_demo_contact_points_keep_verify_markers_and_leave_unknowns_empty(demo):
    assert m.ContactPoint.objects.count() == 19
    assert m.ContactPoint.objects.filter(note__contains="[verify]").exists()
    assert m.ContactPoint.objects.filter(phone="").exists()


def test_demo_command_twice_changes_nothing(db, capsys):
    call_command("demo", no_serve=True)
    first_out = capsys.readouterr().out
    assert "Passwort" in first_out or "password" in first_out
    user = get_user_model().objects.get(username="demo")
    dump = conceptfile.dump_text(m.Concept.objects.get())
    call_command("demo", no_serve=True)
    second_out = capsys.readouterr().out
    assert "0 neu" in second_out or "0 created" in second_out
    assert get_user_model().objects.get(username="demo").password == user.password
    assert conceptfile.dump_text(m.Concept.objects.get()) == dump
    assert get_user_model().objects.count() == 1


@pytest.fixture
def admin_client_de(client, ki_admin):
    client.force_login(ki_admin)
    return client


def test_admin_lists_all_fields_of_action_in_german(demo, admin_client_de):
    response = admin_client_de.get("/admin/core/fieldofaction/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Handlungsfeld" in page
    for field in m.FieldOfAction.objects.all():
        assert field.title.replace("'", "&#x27;") in page


def test_admin_shows_measures_and_indicator_figures_in_german_format(demo, admin_client_de):
    page = admin_client_de.get("/admin/core/measure/").content.decode()
    for measure in m.Measure.objects.all():
        assert f">{measure.key}<" in page
    assert "in Umsetzung" in page
    population = m.Indicator.objects.get(key="bevoelkerung")
    page = admin_client_de.get(
        f"/admin/core/observation/?indicator__id__exact={population.pk}"
    ).content.decode()
    assert "166.737" in page and "166.081" in page
    share = m.Indicator.objects.get(key="anteil-auslaendisch")
    page = admin_client_de.get(f"/admin/core/observation/?indicator__id__exact={share.pk}").content.decode()
    assert "15,7" in page


@pytest.mark.parametrize(
    "model",
    [
        m.Municipality,
        m.Area,
        m.Concept,
        m.FieldOfAction,
        m.StrategicGoal,
        m.Goal,
        m.Measure,
        m.Body,
        m.Meeting,
        m.Source,
        m.Dimension,
        m.Indicator,
        m.Observation,
        m.ContactPoint,
    ],
)
def test_every_admin_page_opens(demo, admin_client_de, model):
    base = f"/admin/core/{model._meta.model_name}/"
    assert admin_client_de.get(base).status_code == 200
    assert admin_client_de.get(base + "?q=Leverkusen").status_code == 200
    assert admin_client_de.get(base + "add/").status_code == 200
    obj = model.objects.first()
    if obj is not None:
        assert admin_client_de.get(f"{base}{obj.pk}/change/").status_code == 200


def test_start_page_needs_login_and_shows_the_concept(demo, client, ki_admin):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/anmelden/")  # staff login
    client.force_login(ki_admin)
    page = client.get("/").content.decode()
    assert "Gesamtstädtisches Integrationskonzept der Stadt Leverkusen" in page
    assert '<th scope="row">H</th>' in page and 'lang="de"' in page


def test_pages_are_german_even_for_an_english_browser(demo, client, ki_admin):
    client.force_login(ki_admin)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Handlungsfelder" in page and "beschlossen" in page
    client.cookies["django_language"] = "en"
    assert "Fields of action" in client.get("/").content.decode()


def test_dates_are_shown_as_day_month_year(demo, admin_client_de):
    page = admin_client_de.get("/admin/core/meeting/").content.decode()
    assert "07.05.2019" in page and "16.09.2019" in page
