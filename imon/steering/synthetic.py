"""Many measures and past reporting cycles, for tests of list pages and for the benchmark."""

import datetime
import random

from imon.core import models as m

from .models import Change, MeasureOwner, ReportingCycle, StatusUpdate

STATUSES = [s for s, _label in m.Measure.Status.choices]


def add_measures(concept: m.Concept, count: int, owner=None, seed: int = 1) -> list[m.Measure]:
    """`count` extra measures spread over the fields of action, each with two next steps (one overdue)."""
    rng = random.Random(seed)
    fields = list(concept.fields_of_action.all())
    start = m.Measure.objects.count()
    measures = m.Measure.objects.bulk_create(
        [
            m.Measure(
                key=f"S{start + i:04d}",
                field_of_action=fields[i % len(fields)],
                title=f"Synthetische Maßnahme {start + i}",
                status=rng.choice(STATUSES),
                progress=rng.choice([None, 0, 25, 50, 75, 100]),
                lead_unit="Fachbereich Soziales",
                order=start + i,
            )
            for i in range(count)
        ]
    )
    today = datetime.date.today()
    m.NextStep.objects.bulk_create(
        [
            m.NextStep(
                measure=x,
                key=str(k),
                text=f"Schritt {k} von {x.key}",
                responsible="KI",
                due_date=today + datetime.timedelta(days=(-10 if k == 1 else 30)),
                order=k,
            )
            for x in measures
            for k in (1, 2)
        ]
    )
    if owner is not None:
        MeasureOwner.objects.bulk_create([MeasureOwner(user=owner, measure=x) for x in measures])
    return measures


def add_past_cycles(concept: m.Concept, count: int, user=None) -> list[ReportingCycle]:
    """`count` closed cycles with an accepted status update and three history rows per measure."""
    measures = list(m.Measure.objects.filter(field_of_action__concept=concept))
    cycles = []
    first = ReportingCycle.objects.filter(key__startswith="synthetisch-").count()
    for n in range(first, first + count):
        date = datetime.date(2000 + n, 12, 31)
        cycle = ReportingCycle.objects.create(
            key=f"synthetisch-{date.isoformat()}",
            concept=concept,
            title=f"Bericht {date.year}",
            reporting_date=date,
            deadline=date - datetime.timedelta(days=30),
            state=ReportingCycle.State.CLOSED,
            opened_by=user,
            approved_by=user,
        )
        StatusUpdate.objects.bulk_create(
            [
                StatusUpdate(
                    cycle=cycle,
                    measure=x,
                    measure_key=x.key,
                    state=StatusUpdate.State.ACCEPTED,
                    status=x.status,
                    progress=x.progress,
                    results=f"Ergebnis {date.year}",
                )
                for x in measures
            ]
        )
        Change.objects.bulk_create(
            [
                Change(
                    user=user,
                    cycle=cycle,
                    object_type=kind,
                    object_key=key,
                    action=action,
                    field=field,
                    old="",
                    new="1",
                )
                for x in measures
                for kind, key, action, field in (
                    ("status_update", f"{cycle.key}/{x.key}", Change.Action.SUBMITTED, "progress"),
                    ("status_update", f"{cycle.key}/{x.key}", Change.Action.ACCEPTED, ""),
                    ("measure", x.key, Change.Action.CHANGED, "progress"),
                )
            ]
        )
        cycles.append(cycle)
    return cycles
