"""Imports are serialised, never written from a stale check, and leave nothing behind when killed."""

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from imon.core import imports
from imon.core import models as m
from imon.core.synthetic import write_genesis
from tests.importing import gefluechtete_2019, plan_for, write_csv


def test_a_plan_checked_before_another_import_is_refused(demo, tmp_path):
    path = write_csv(tmp_path / "g.csv", gefluechtete_2019())
    first, second = plan_for(path), plan_for(path)
    imports.apply_import(first)
    with pytest.raises(imports.StalePlanError) as excinfo:
        imports.apply_import(second)
    assert "erneut" in str(excinfo.value)
    assert m.ImportRecord.objects.count() == 1
    assert m.Observation.objects.filter(reference_date="2019-12-31").count() == 5


def test_a_value_written_meanwhile_by_other_means_is_no_duplicate(demo, tmp_path):
    plan = plan_for(write_csv(tmp_path / "g.csv", gefluechtete_2019()))
    indicator = m.Indicator.objects.get(key="gefluechtete")
    m.Observation.objects.create(
        indicator=indicator,
        area=m.Area.objects.get(key="05316000"),
        reference_date="2019-12-31",
        dims={"aufenthaltsstatus": "c"},
        value=1,
    )
    with pytest.raises(imports.StalePlanError):
        imports.apply_import(plan)
    assert m.Observation.objects.filter(reference_date="2019-12-31").count() == 1
    assert not m.ImportRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_midway_leaves_no_partial_data(tmp_path):
    path = tmp_path / "12521-0041_flat.csv"
    write_genesis(path, areas=400, years=(2021, 2022))
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        env["IMON_DATABASE_URL"] = (
            f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
        )
    else:
        subprocess.run([sys.executable, "-m", "imon.cli", "migrate", "-v0"], env=env, check=True)
    # The import kills itself (SIGKILL: no clean-up of any kind) once 40,000 of its rows are written.
    killed_midway = (
        "import os, signal, sys\n"
        "import django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'imon.settings'\n"
        "django.setup()\n"
        "from imon.core import bulk\n"
        "insert = bulk.insert_observations\n"
        "def rows_then_kill(rows):\n"
        "    for number, row in enumerate(rows):\n"
        "        if number == 40_000:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "        yield row\n"
        "bulk.insert_observations = lambda rows, **options: insert(rows_then_kill(rows), **options)\n"
        "from imon import cli\n"
        "cli.main(['imon', 'import', sys.argv[1]])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", killed_midway, str(path)], env=env, stderr=subprocess.PIPE, text=True
    )
    _out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err
    if connection.vendor == "postgresql":
        assert m.Observation.objects.count() == 0 and m.ImportRecord.objects.count() == 0
        assert not m.Indicator.objects.filter(key="12521-bev001").exists()
    else:
        check = "from imon.core import models as m; print(m.Observation.objects.count(), m.ImportRecord.objects.count(), m.Indicator.objects.count())"
        out = subprocess.run(
            [sys.executable, "-m", "imon.cli", "shell", "-c", check], env=env, capture_output=True, text=True
        )
        assert out.stdout.strip().splitlines()[-1].split() == ["0", "0", "0"], out.stdout + out.stderr
