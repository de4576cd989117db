"""The roll-up of measures: one explicit policy, used by the staff pages, the report and the portal.

The policy (shared/design.md §3: "roll-up of progress is policy: make the rule explicit and visible"):

- **Default progress.** A status implies a progress (`DEFAULT_PROGRESS`); a measure keeps both, and an
  explicit progress figure wins over the default of its status.
- **Unknown is not planned.** A measure with the status `unknown` has no progress: it is left out of
  the average and counted separately (`unknown`), but it counts in `total` and in `by_status`.
- **Average progress** = plain average of the progress of the counted measures (all weights 1),
  rounded to a whole per cent (Python's `round`: half to even); none when no measure is counted.
- **Finished** = the status is `completed` or `established` (`FINISHED`), whatever the progress figure.
- **Traffic lights** are counted per light (`green`, `yellow`, `red`, `""` for none), never averaged.

Plain functions on plain values (status codes as in `Measure.Status`), no database. Which of these
figures a page shows is the page's choice; every page takes them from `rollup()`.
"""

from collections.abc import Iterable, Mapping
from typing import TypedDict

from django.utils.translation import gettext_lazy

UNKNOWN = "unknown"

# Progress assumed for a measure whose status is known but whose progress is empty.
DEFAULT_PROGRESS = {
    "planned": 0,
    "preparing": 10,
    "in_progress": 50,
    "delayed": 40,
    "on_hold": 40,
    "completed": 100,
    "established": 100,
    "discontinued": 0,
}

# The states in which a measure counts as finished ("abgeschlossen oder verstetigt").
FINISHED = frozenset({"completed", "established"})

LIGHTS = ("green", "yellow", "red", "")

# The rule as the staff dashboard states it; `level` is the concept's name of a field of action.
RULE = gettext_lazy(
    "Progress per %(level)s = plain average of the progress of its measures (all weights 1). "
    "A measure without a progress figure counts with the default progress of its status. "
    "Measures with the status 'unknown' are left out and counted separately."
)


class Rollup(TypedDict):
    total: int  # all measures
    by_status: dict[str, int]  # status code -> number of measures, in the order first met
    finished: int  # measures in a FINISHED state
    counted: int  # measures in the average (all but unknown)
    unknown: int  # measures with the status unknown, left out of the average
    average: int | None  # average progress in per cent, None when no measure is counted
    lights: dict[str, int]  # traffic light ("" = none) -> number of measures; all four keys


def default_progress(status: str) -> int | None:
    """The progress a status implies; None for unknown."""
    if status == UNKNOWN:
        return None
    return DEFAULT_PROGRESS.get(status, 0)


def is_finished(status: str) -> bool:
    return status in FINISHED


def measure_progress(status: str, progress: int | None) -> int | None:
    """The progress a measure contributes to the roll-up; None when it is left out (unknown)."""
    if status == UNKNOWN:
        return None
    if progress is not None:
        return progress
    return default_progress(status)


def rollup(states: Iterable[tuple]) -> Rollup:
    """Roll up measures given as (status, progress) or (status, progress, traffic light)."""
    values: list = []
    by_status: dict[str, int] = {}
    lights, finished = dict.fromkeys(LIGHTS, 0), 0
    total = 0
    for status, progress, *rest in states:
        total += 1
        by_status[status] = by_status.get(status, 0) + 1
        finished += is_finished(status)
        light = (rest[0] if rest else "") or ""
        lights[light] = lights.get(light, 0) + 1
        value = measure_progress(status, progress)
        if value is not None:
            values.append(value)
    return {
        "total": total,
        "by_status": by_status,
        "finished": finished,
        "counted": len(values),
        "unknown": total - len(values),
        "average": round(sum(values) / len(values)) if values else None,
        "lights": lights,
    }


def of_records(records: Iterable[Mapping]) -> Rollup:
    """The roll-up of measures as records of a snapshot (dicts; a missing status counts as unknown)."""
    return rollup(
        (r.get("status") or UNKNOWN, r.get("progress"), r.get("traffic_light") or "") for r in records
    )
