"""`imon fetch` against an in-process fake of the offices' web service (version 2020).

The fake is a WSGI application served on 127.0.0.1 by a thread of the test; it answers as the
services do (their published interface description and example code, and answers recorded from
them): every call a POST with a form body and the credentials in the headers `username` and
`password`; `data/tablefile` with `format=ffcsv` answers with the flat file, as text or as a ZIP
archive holding one CSV; a table too large for a direct answer gets the status block with code
98, the same request with `job=true` code 99 and the job's name ("Der Bearbeitungsauftrag wurde
erstellt. Die Tabelle kann in Kürze als Ergebnis mit folgendem Namen abgerufen werden:
12411-01-01-4_123456789"), `catalogue/results` lists the result once it is ready and
`data/resultfile` sends it. Wrong credentials: HTTP 404 with the flat block {"Code": 2, "Content":
"Ein Fehler ist aufgetreten. (Bitte prüfen und korrigieren Sie Ihren Nutzernamen bzw. das
Passwort.)", "Type": "ERROR"}; an unknown table: code 104 "Es gibt keine Objekte zum angegebenen
Selektionskriterium". The flat file follows the Regionaldatenbank's table 12411-01-01-4
(Bevölkerungsstand, Kreise; UTF-8 with BOM, `;`, CR LF, ISO Stichtag, value_q).
"""

import datetime
import io
import json
import logging
import threading
import urllib.parse
import zipfile
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imon.core import models as m
from imon.core.fetch import client as fetch_client
from imon.core.fetch import run
from imon.core.fetch import subscription as subs

USER, PASSWORD = "DEZ7X4Q9W", "geheim-Pa55wort-4711"
TOKEN = "58b3c0ffee9d4e6d032a1b2c3d4e5f60"
TABLE = "12411-01-01-4"
HEAD = (
    "statistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label;value_q"
)
STAT = "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag"
# (regional variable, label, code, name) -> {year: population}
FIGURES = {
    ("DG", "Deutschland", "DG", "Deutschland"): {2023: "83.456.045", 2024: "83.577.140"},
    ("DLAND", "Bundesländer", "05", "Nordrhein-Westfalen"): {2023: "18.017.592", 2024: "18.034.454"},
    ("KREISE", "Kreise und kreisfreie Städte", "05316", "Leverkusen, kreisfreie Stadt"): {
        2023: "167.040",
        2024: "166.414",
    },
}
SUBSCRIPTION = {
    "database": "regio",
    "table": TABLE,
    "value_variable": "BEVSTD",
    "regions": {"DG": ["DG"], "DLAND": ["05"], "KREISE": ["05316"]},
}


def flat_file(variable: str, years: list[int], start: int = 0) -> bytes:
    lines = [HEAD]
    for (var, label, code, name), values in FIGURES.items():
        if var == variable:
            for year in years:
                if year >= start:
                    lines.append(
                        f"{STAT};{year}-12-31;{var};{label};{code};{name};{values[year]};Anzahl;BEVSTD;Bevölkerungsstand;e"
                    )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def status(code: int, content: str, kind: str = "Information", flat: bool = False) -> bytes:
    block = {"Code": code, "Content": content, "Type": kind}
    if flat:
        return json.dumps(block, ensure_ascii=False).encode()
    answer = {
        "Ident": {"Service": "data", "Method": "tablefile"},
        "Status": block,
        "Parameter": {"username": "********************", "password": "********************"},
        "Object": None,
        "Copyright": "© Statistisches Bundesamt (Destatis), 2020",
    }
    return json.dumps(answer, ensure_ascii=False).encode()


class FakeService:
    """The web service of one database; `years` are the reference years it has published."""

    def __init__(self):
        self.years = [2023]
        self.calls: list[tuple[str, dict, dict]] = []
        self.zipped = False
        self.too_large = False
        self.job_polls_before_ready = 1
        self.fail: dict[str, str] = {}  # method -> "server" | "cut" | "unknown"

    def __call__(self, environ, start_response):
        method = environ["PATH_INFO"].split("/rest/2020/", 1)[-1]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        headers = {"username": environ.get("HTTP_USERNAME", ""), "password": environ.get("HTTP_PASSWORD", "")}
        self.calls.append((method, form, headers))

        def answer(code, body, content_type="application/json; charset=UTF-8", length=None):
            start_response(
                code, [("Content-Type", content_type), ("Content-Length", str(length or len(body)))]
            )
            return [body]

        if environ["REQUEST_METHOD"] != "POST":
            return answer("405 Method Not Allowed", b"")
        if (headers["username"], headers["password"]) not in ((USER, PASSWORD), (TOKEN, "")):
            return answer(
                "404 Not Found",
                status(
                    2,
                    "Ein Fehler ist aufgetreten. (Bitte prüfen und korrigieren Sie Ihren Nutzernamen bzw.\n das Passwort.)",
                    "ERROR",
                    flat=True,
                ),
            )
        failure = self.fail.get(method)
        if failure == "rate":  # once: too many requests, come back in 7 seconds
            del self.fail[method]
            start_response("429 Too Many Requests", [("Retry-After", "7"), ("Content-Length", "0")])
            return [b""]
        if failure == "server":
            return answer(
                "503 Service Unavailable", b"<html><body>Wartungsarbeiten</body></html>", "text/html"
            )
        if method == "data/tablefile" and form.get("name") != TABLE or failure == "unknown":
            return answer("200 OK", status(104, "Es gibt keine Objekte zum angegebenen Selektionskriterium"))
        if method == "data/tablefile" and self.too_large and form.get("job") != "true":
            return answer(
                "200 OK", status(98, "Die Tabelle ist zu groß, um direkt abgerufen zu werden.", "Error")
            )
        if method == "data/tablefile" and form.get("job") == "true":
            self.job = f"{TABLE}_123456789"
            self.job_form = form
            return answer(
                "200 OK",
                status(
                    99,
                    "Der Bearbeitungsauftrag wurde erstellt. Die Tabelle kann in Kürze als Ergebnis mit "
                    f"folgendem Namen abgerufen werden: {self.job}",
                ),
            )
        if method == "catalogue/results":
            polls = sum(1 for c in self.calls if c[0] == "catalogue/results")
            ready = polls > self.job_polls_before_ready
            listed = [{"Code": self.job, "Content": "Bevölkerungsstand", "Values": "12"}] if ready else []
            return answer("200 OK", json.dumps({"Status": {"Code": 0}, "List": listed}).encode())
        if method in ("data/tablefile", "data/resultfile"):
            form = self.job_form if method == "data/resultfile" else form
            body = flat_file(form["regionalvariable"], self.years, int(form.get("startyear") or 0))
            if failure == "cut":  # the connection breaks off in the middle of the file
                return answer("200 OK", body[: len(body) // 2], "text/csv", length=len(body))
            if self.zipped:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(f"{TABLE}_flat.csv", body)
                return answer("200 OK", buffer.getvalue(), "application/zip")
            return answer("200 OK", body, "text/csv; charset=UTF-8")
        return answer("404 Not Found", b"")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def service(settings, monkeypatch):
    fake = FakeService()
    server = make_server("127.0.0.1", 0, fake, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.IMON_REGIO_URL = f"http://127.0.0.1:{server.server_port}/genesisws/rest/2020/"
    settings.IMON_FETCH_TIMEOUT = 5
    settings.IMON_FETCH_CREDENTIALS = ""
    monkeypatch.setenv("IMON_REGIO_USER", USER)
    monkeypatch.setenv("IMON_REGIO_PASSWORD", PASSWORD)
    # No real pauses between tries or job polls.
    monkeypatch.setattr(run.time, "sleep", lambda seconds: None)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def indicator(demo):
    return m.Indicator.objects.create(
        key="einwohner-fortschreibung",
        title="Bevölkerung (amtliche Fortschreibung)",
        unit="Personen",
        rhythm_months=12,
        fetch=SUBSCRIPTION,
    )


def stored(indicator):
    return {
        (o.area.key, o.reference_date.year): o.value
        for o in m.Observation.objects.filter(indicator=indicator).select_related("area")
    }


def snapshot():
    """Everything an import writes, to compare before and after."""
    return (
        list(m.Observation.objects.order_by("pk").values_list("pk", "value", "flag", "import_record")),
        list(m.ImportRecord.objects.order_by("pk").values_list("pk", "status")),
        list(m.Area.objects.order_by("pk").values_list("pk", "key")),
    )


# -- done when: a Kreise table for the city, its Land and Germany ------------------------------


def test_fetch_imports_a_kreise_table_for_the_city_its_land_and_germany(service, indicator):
    call_command("fetch", "einwohner-fortschreibung", stdout=io.StringIO(), stderr=io.StringIO())
    assert stored(indicator) == {
        ("05316000", 2023): Decimal("167040"),
        ("05", 2023): Decimal("18017592"),
        ("DG", 2023): Decimal("83456045"),
    }
    tablefile_calls = [c for c in service.calls if c[0] == "data/tablefile"]
    assert [(f["regionalvariable"], f["regionalkey"]) for _m, f, _h in tablefile_calls] == [
        ("DG", "DG"),
        ("DLAND", "05"),
        ("KREISE", "05316"),
    ]
    assert all(f["name"] == TABLE and f["format"] == "ffcsv" for _m, f, _h in tablefile_calls)
    # The credentials go in the headers, never in the form.
    assert all(h == {"username": USER, "password": PASSWORD} for _m, _f, h in tablefile_calls)
    assert not any(USER in str(f) or PASSWORD in str(f) for _m, f, _h in service.calls)
    record = m.ImportRecord.objects.get()
    assert record.origin["database"] == "regio" and record.origin["table"] == TABLE
    first = record.origin["requests"][0]
    assert first["url"].endswith("/genesisws/rest/2020/data/tablefile")
    assert first["params"]["regionalvariable"] == "DG"
    assert len(first["sha256"]) == 64 and first["retrieved_at"][:4].isdigit()
    assert first["sha256"] == fetch_client.hashlib.sha256(flat_file("DG", [2023])).hexdigest()


def test_a_second_run_without_a_new_reference_date_writes_nothing(service, indicator):
    call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    before = snapshot()
    out = io.StringIO()
    call_command("fetch", "einwohner-fortschreibung", stdout=out, stderr=io.StringIO())
    assert "nothing new" in out.getvalue() or "nichts Neues" in out.getvalue()
    assert snapshot() == before


def test_due_fetches_only_when_a_new_reference_date_may_be_out(service, indicator, monkeypatch):
    call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    calls = len(service.calls)
    # Latest stored 31.12.2023, rhythm 12 months: not due before 31.12.2024.
    outcome = run.fetch_indicator(indicator, today=datetime.date(2024, 6, 1), due_only=True)
    assert outcome.state == "not_due" and len(service.calls) == calls
    # Due; the office has not published 2024 yet: fetched, nothing written.
    before = snapshot()
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 3, 1), due_only=True)
    assert outcome.state == "unchanged" and snapshot() == before
    # A due fetch asks from the latest stored year on.
    assert {f.get("startyear") for _m, f, _h in service.calls[calls:]} == {"2023"}
    # Published: the new reference date arrives.
    service.years = [2023, 2024]
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 7, 1), due_only=True)
    assert outcome.state == "written", outcome.message
    assert stored(indicator)[("05316000", 2024)] == Decimal("166414")


def test_zipped_answers_are_read(service, indicator):
    service.zipped = True
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.state == "written", outcome.message
    assert stored(indicator)[("05", 2023)] == Decimal("18017592")


def test_a_table_too_large_for_a_direct_answer_is_fetched_as_a_background_job(service, indicator):
    service.too_large = True
    service.job_polls_before_ready = 2
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.state == "written", outcome.message
    methods = [c[0] for c in service.calls]
    assert methods.count("catalogue/results") >= 3 and "data/resultfile" in methods
    resultfile = next(f for meth, f, _h in service.calls if meth == "data/resultfile")
    assert resultfile["name"] == f"{TABLE}_123456789" and resultfile["format"] == "ffcsv"
    assert m.ImportRecord.objects.get().origin["requests"][0]["job"] == f"{TABLE}_123456789"


def test_a_job_needs_user_and_password_not_a_token(service, indicator, monkeypatch):
    monkeypatch.delenv("IMON_REGIO_USER")
    monkeypatch.delenv("IMON_REGIO_PASSWORD")
    monkeypatch.setenv("IMON_REGIO_TOKEN", TOKEN)
    service.too_large = True
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.failed and "IMON_REGIO_USER" in outcome.message
    assert not m.Observation.objects.filter(indicator=indicator).exists()


# -- failures change nothing, in clear German ---------------------------------------------------


def test_a_failure_mid_download_leaves_the_database_unchanged(service, indicator):
    call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    service.years = [2023, 2024]
    service.fail["data/tablefile"] = "cut"
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot() == before
    tries = [c for c in service.calls if c[0] == "data/tablefile"]
    assert len(tries) == 3 + 4  # the first run's three requests, then four tries of the first one


def test_wrong_credentials_are_said_in_german_and_nothing_is_written(service, indicator, monkeypatch):
    monkeypatch.setenv("IMON_REGIO_PASSWORD", "Xy-wrong-9876")
    with django_german():
        outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.failed
    assert "Nutzername" in outcome.message and "Regionaldatenbank" in outcome.message
    assert "Xy-wrong-9876" not in outcome.message
    assert len(service.calls) == 1  # a refusal is not tried again
    assert not m.Observation.objects.filter(indicator=indicator).exists()


def test_an_unknown_table_is_said_in_german(service, indicator):
    indicator.fetch = SUBSCRIPTION | {"table": "99999-99-99-9"}
    indicator.save()
    with django_german():
        outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.failed and "99999-99-99-9" in outcome.message
    assert "Es gibt keine Objekte" in outcome.message


def test_a_server_error_is_tried_again_then_given_up(service, indicator):
    service.fail["data/tablefile"] = "server"
    with django_german():
        outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.failed and "4" in outcome.message
    assert len([c for c in service.calls if c[0] == "data/tablefile"]) == 4
    assert not m.ImportRecord.objects.exists()


def test_a_rate_limit_is_respected(service, indicator, monkeypatch):
    pauses = []
    monkeypatch.setattr(run.time, "sleep", pauses.append)
    service.fail["data/tablefile"] = "rate"
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.state == "written", outcome.message
    assert pauses == [7.0]


def test_missing_credentials_are_named(service, indicator, monkeypatch):
    monkeypatch.delenv("IMON_REGIO_USER")
    monkeypatch.delenv("IMON_REGIO_PASSWORD")
    outcome = run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1))
    assert outcome.failed and "IMON_REGIO_TOKEN" in outcome.message and not service.calls


def test_credentials_from_a_file(service, indicator, monkeypatch, tmp_path, settings):
    monkeypatch.delenv("IMON_REGIO_USER")
    monkeypatch.delenv("IMON_REGIO_PASSWORD")
    path = tmp_path / "credentials"
    path.write_text(f"# Regionaldatenbank\nIMON_REGIO_USER={USER}\nIMON_REGIO_PASSWORD='{PASSWORD}'\n")
    settings.IMON_FETCH_CREDENTIALS = str(path)
    assert run.fetch_indicator(indicator, today=datetime.date(2025, 1, 1)).state == "written"


def test_credentials_never_appear_in_logs_or_the_database(service, indicator, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    call_command("fetch", stdout=out, stderr=err)
    service.fail["data/tablefile"] = "cut"
    with pytest.raises(CommandError):
        call_command("fetch", stdout=out, stderr=err)
    monkeypatch.setenv("IMON_REGIO_PASSWORD", "falsch-" + PASSWORD)
    call_command("fetch", "--list", stdout=out, stderr=err)
    assert "POST" in caplog.text  # the log was written
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert '"origin"' in dump.getvalue()
    for text in (caplog.text, out.getvalue(), err.getvalue(), dump.getvalue()):
        assert USER not in text and PASSWORD not in text
    assert USER not in repr(fetch_client.credentials_for("regio")) and PASSWORD not in repr(
        fetch_client.credentials_for("regio")
    )


# -- the subscription ---------------------------------------------------------------------------


def test_requests_one_per_regional_variable_with_classifications_and_years():
    sub, problems = subs.clean(
        {
            "database": "genesis",
            "table": "12521-0002",
            "value_variable": "BEVSTD",
            "classifications": {"NAT": ["NATA"], "GES": "*"},
            "start_year": 2015,
        }
    )
    assert not problems
    (params,) = subs.requests(sub, start_year=2022)
    assert params["classifyingvariable1"] == "GES" and params["classifyingkey1"] == "*"
    assert params["classifyingvariable2"] == "NAT" and params["classifyingkey2"] == "NATA"
    assert params["startyear"] == "2022" and "regionalvariable" not in params
    assert [p["regionalkey"] for p in subs.requests(subs.clean(SUBSCRIPTION)[0])] == ["DG", "05", "05316"]


def test_a_wrong_subscription_names_each_problem():
    _sub, problems = subs.clean(
        {
            "database": "eurostat",
            "table": "",
            "value_variable": "X",
            "classifications": {"A": 1, "B": 2, "C": 3, "D": 4},
            "when": 1,
        }
    )
    paths = {path for path, _message in problems}
    assert {".database", ".table", ".classifications", ".when"} <= paths


@pytest.mark.parametrize(
    "latest, rhythm, today, due",
    [
        (None, 12, datetime.date(2025, 1, 1), True),
        (datetime.date(2023, 12, 31), None, datetime.date(2024, 1, 1), True),
        (datetime.date(2023, 12, 31), 12, datetime.date(2024, 12, 30), False),
        (datetime.date(2023, 12, 31), 12, datetime.date(2024, 12, 31), True),
        (datetime.date(2024, 6, 30), 3, datetime.date(2024, 9, 29), False),
        (datetime.date(2024, 6, 30), 3, datetime.date(2024, 9, 30), True),
    ],
)
def test_due_dates(latest, rhythm, today, due):
    assert subs.is_due(latest, rhythm, today) is due


def test_month_ends_stay_month_ends():
    assert subs.add_months(datetime.date(2023, 12, 31), 6) == datetime.date(2024, 6, 30)
    assert subs.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert subs.add_months(datetime.date(2024, 1, 15), 1) == datetime.date(2024, 2, 15)


def test_the_concept_file_keeps_the_subscription(demo, demo_text):
    from imon.core import conceptfile

    text = demo_text.replace(
        "    rhythm_months: 12\n",
        "    rhythm_months: 12\n    fetch:\n      database: regio\n      table: 12411-01-01-4\n"
        "      value_variable: BEVSTD\n      regions: {KREISE: ['05316'], DG: [DG]}\n",
        1,
    )
    conceptfile.load_text(text)
    (indicator,) = m.Indicator.objects.exclude(fetch={})
    assert indicator.fetch["regions"] == {"DG": ["DG"], "KREISE": ["05316"]}
    concept = m.Concept.objects.get()
    first = conceptfile.dump_text(concept)
    assert "fetch:" in first
    conceptfile.load_text(first)
    assert conceptfile.dump_text(concept) == first


def test_the_concept_file_refuses_a_wrong_subscription(demo, demo_text):
    from imon.core import conceptfile

    text = demo_text.replace(
        "    rhythm_months: 12\n", "    rhythm_months: 12\n    fetch: {database: eurostat}\n", 1
    )
    with pytest.raises(conceptfile.ConceptFileError) as info:
        conceptfile.load_text(text)
    assert ".fetch.database" in str(info.value)


class django_german:
    """German messages, as the staff and the command line see them."""

    def __enter__(self):
        from django.utils import translation

        self.previous = translation.get_language()
        translation.activate("de")

    def __exit__(self, *exc):
        from django.utils import translation

        translation.activate(self.previous or "en")


# -- the staff's overview -------------------------------------------------------------------------


def test_the_staff_see_each_subscriptions_last_fetch_its_result_and_the_next_due_date(
    service, indicator, client, ki_admin
):
    call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    service.years = [2023, 2024]
    service.fail["data/tablefile"] = "cut"
    with pytest.raises(CommandError):
        call_command("fetch", stdout=io.StringIO(), stderr=io.StringIO())
    attempts = list(indicator.fetch_attempts.values_list("state", flat=True))
    assert attempts == ["failed", "written"]  # newest first; the failure wrote no import record
    client.force_login(ki_admin)
    page = client.get("/daten/abrufe/").content.decode()
    row = page[page.index("einwohner-fortschreibung") :]
    assert TABLE in row and "31.12.2023" in row  # the table and the latest stored reference date
    assert "fehlgeschlagen" in row  # the last fetch failed, and says why
    assert "fällig" in row  # 31.12.2024 has passed: the next fetch is due
    assert PASSWORD not in page and USER not in page


def test_the_overview_is_for_staff_only(client, outsider):
    client.force_login(outsider)
    assert client.get("/daten/abrufe/").status_code in (302, 403)
