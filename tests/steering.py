"""Personas and helpers for the steering tests (imported by tests/test_steering_*.py).

Anna (KI administrator, `ki_admin` in conftest), Rita from the Controlling-Gruppe (reviewer),
Erik edits field of action C, Olga owns measure C1 (staff of the city), Emil owns D1 and works for
a welfare association (no staff account), Otto has an account but no role (`outsider`)."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission

from imon.core import models as m
from imon.steering.models import FieldEditor, MeasureOwner

PASSWORD = "sicheres-passwort-9"


def make_user(django_user_model, name, perms=(), **extra):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", PASSWORD, **extra)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    return user


@pytest.fixture
def people(demo, ki_admin, outsider, django_user_model):
    reviewer = make_user(
        django_user_model,
        "rita",
        ["steering.approve_cycle", "reports.view_snapshot", "reports.publish_snapshot"],
    )
    editor = make_user(django_user_model, "erik", is_staff=True)
    FieldEditor.objects.create(user=editor, field_of_action=m.FieldOfAction.objects.get(code="C"))
    owner = make_user(django_user_model, "olga", is_staff=True)
    MeasureOwner.objects.create(user=owner, measure=m.Measure.objects.get(key="C1"))
    external = make_user(django_user_model, "emil")
    MeasureOwner.objects.create(user=external, measure=m.Measure.objects.get(key="D1"))
    return SimpleNamespace(
        ki=ki_admin, reviewer=reviewer, editor=editor, owner=owner, external=external, outsider=outsider
    )


def concept():
    return m.Concept.objects.get()


def open_cycle(
    user,
    title="2. Umsetzungsbericht",
    reporting_date=datetime.date(2026, 12, 31),
    deadline=datetime.date(2026, 11, 30),
):
    from imon.steering import services

    return services.open_cycle(concept(), title, reporting_date, deadline, user)


def update_values(update, **changes):
    from imon.steering.services import UPDATE_FIELDS

    values = {f: getattr(update, f) for f in UPDATE_FIELDS}
    values["next_steps"] = list(update.next_steps)
    values.update(changes)
    return values


def form_data(update, **changes):
    """POST data of the owner's form, as the browser sends it."""
    from imon.steering import logic

    data = {
        "status": update.status,
        "progress": "" if update.progress is None else update.progress,
        "traffic_light": update.traffic_light,
        "traffic_light_reason": update.traffic_light_reason,
        "results": update.results,
        "obstacles": update.obstacles,
        "participants": update.participants or "",
        "staff": update.staff or "",
        "hours": update.hours or "",
        "cost": update.cost or "",
        "funding": update.funding or "",
        "effect": update.effect,
        "next_steps_text": "\n".join(logic.next_step_line(s) for s in update.next_steps),
        "version": update.version,
    }
    data.update(changes)
    return data
