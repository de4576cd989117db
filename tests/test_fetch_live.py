"""The real Regionaldatenbank, opt-in: runs only where an account is given
(IMON_REGIO_USER and IMON_REGIO_PASSWORD) and IMON_LIVE_TESTS=1 asks for the network. The rest of
the suite never leaves the machine (tests/test_fetch.py fakes the service in-process).

    IMON_LIVE_TESTS=1 IMON_REGIO_USER=… IMON_REGIO_PASSWORD=… .venv/bin/pytest tests/test_fetch_live.py
"""

import datetime
import os

import pytest

from imon.core import models as m
from imon.core.fetch import run

pytestmark = pytest.mark.skipif(
    not (os.environ.get("IMON_LIVE_TESTS") == "1" and os.environ.get("IMON_REGIO_USER")),
    reason="live test of the Regionaldatenbank: set IMON_LIVE_TESTS=1, IMON_REGIO_USER and IMON_REGIO_PASSWORD",
)


def test_the_population_of_leverkusen_its_land_and_germany_arrive(demo):
    """Table 12411-01-01-4 (Bevölkerung nach Geschlecht, Stichtag 31.12.) for Leverkusen, North
    Rhine-Westphalia and Germany, through the real web service and the same importer as a file."""
    indicator = m.Indicator.objects.create(
        key="live-bevoelkerung",
        title="Bevölkerung (Regionaldatenbank, live)",
        unit="Personen",
        rhythm_months=12,
        fetch={
            "database": "regio",
            "table": "12411-01-01-4",
            "value_variable": "BEVSTD",
            "regions": {"DG": ["DG"], "DLAND": ["05"], "KREISE": ["05316"]},
        },
    )
    outcome = run.fetch_indicator(indicator, today=datetime.date.today())
    assert outcome.state == "written", (outcome.message, outcome.problems)
    values: dict = {}
    for o in m.Observation.objects.filter(indicator=indicator).select_related("area"):
        values[o.area.key] = max(values.get(o.area.key, 0), o.value or 0)  # the total beside men and women
    # Germany has more than 80 million inhabitants, the Land more than 17 million, the city more than 150,000
    assert values["DG"] > 80_000_000 and values["05"] > 17_000_000 and values["05316000"] > 150_000
    assert outcome.record.origin["requests"][0]["url"].startswith("https://")
