"""The state of a measure is declared once (core.MeasureState): the measure and the status update carry the
same fields, validators and database constraints, and the migration fixes old rows that would break them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import CheckConstraint

from imon.core import models as m
from imon.steering.models import Change, StatusUpdate
from tests import steering
from tests.steering import open_cycle

people = steering.people  # the personas fixture


def _declaration(model):
    fields = [(f.name, f.deconstruct()[1:]) for f in model._meta.fields if f.name in m.STATE_FIELDS]
    checks = {
        c.name.split("_", 1)[1]: c.condition
        for c in model._meta.constraints
        if isinstance(c, CheckConstraint)
    }
    return fields, checks


def test_measure_and_status_update_declare_the_same_state():
    measure_fields, measure_checks = _declaration(m.Measure)
    update_fields, update_checks = _declaration(StatusUpdate)
    assert [name for name, _ in measure_fields] == m.STATE_FIELDS
    assert update_fields == measure_fields
    assert measure_checks.pop("end_not_before_start")  # the measure's own dates
    assert update_checks == measure_checks
    assert "traffic_light_reason_required" in update_checks and "progress_at_most_100" in update_checks


@pytest.mark.parametrize(
    "values",
    [
        {"traffic_light": "yellow", "traffic_light_reason": ""},
        {"traffic_light": "red", "traffic_light_reason": ""},
        {"progress": 101},
        {"cost": Decimal("-1")},
    ],
)
def test_the_database_refuses_a_status_update_that_breaks_the_rules(people, values):
    update = StatusUpdate.objects.filter(cycle=open_cycle(people.ki)).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusUpdate.objects.filter(pk=update.pk).update(**values)
    fine = {"traffic_light": "yellow", "traffic_light_reason": "Personal fehlt", "progress": 100}
    assert StatusUpdate.objects.filter(pk=update.pk).update(**fine) == 1


@pytest.fixture
def back_to_the_latest_migrations():
    """A test that migrates back leaves the database at the latest migrations of every app, as the
    tests after it expect (not at the migration it tested)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migration_fixes_old_status_updates_before_adding_the_constraints(
    people, back_to_the_latest_migrations
):
    cycle = open_cycle(people.ki)
    target = [("steering", "0003_statusupdate_state_constraints")]
    executor = MigrationExecutor(connection)
    executor.migrate([("steering", "0001_initial")])
    try:
        old = executor.loader.project_state(("steering", "0001_initial")).apps.get_model(
            "steering", "StatusUpdate"
        )
        old.objects.filter(cycle_id=cycle.pk, measure_key="C1").update(
            traffic_light="red", traffic_light_reason="", progress=250, version=3
        )
        old.objects.filter(cycle_id=cycle.pk, measure_key="D1").update(
            traffic_light="yellow", traffic_light_reason="Träger fehlt", staff=Decimal("-0.5")
        )
        executor = MigrationExecutor(connection)
        executor.migrate(target)
    finally:
        MigrationExecutor(connection).migrate(target)
    c1 = StatusUpdate.objects.get(cycle=cycle, measure_key="C1")
    assert (c1.traffic_light, c1.traffic_light_reason, c1.progress, c1.version) == (
        "red",
        "(ohne Begründung)",
        None,
        4,
    )
    d1 = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    assert (d1.traffic_light_reason, d1.staff) == ("Träger fehlt", None)
    history = set(
        Change.objects.filter(object_type="status_update", cycle=cycle).values_list(
            "object_key", "field", "old", "new"
        )
    )
    assert history >= {
        (f"{cycle.key}/C1", "traffic_light_reason", "", "(ohne Begründung)"),
        (f"{cycle.key}/C1", "progress", "250", ""),
        (f"{cycle.key}/D1", "staff", "-0.50", ""),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusUpdate.objects.filter(pk=c1.pk).update(traffic_light_reason="")
