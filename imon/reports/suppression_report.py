"""The suppression report of a snapshot, for staff: what the confidentiality boundary hid before
the snapshot can be published, why, with which relations, and at what cost in published
information. It is frozen with the snapshot (section "suppression"), never published."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imon.core.numbers import format_number

from .models import Snapshot

REASONS = {
    "primary": gettext_lazy("below the minimum count (primary)"),
    "secondary": gettext_lazy("would reveal a blocked cell (secondary)"),
    "source": gettext_lazy("kept secret by the source"),
    "derived": gettext_lazy("share or rate of a blocked count"),
    "uncertain": gettext_lazy("denominator below the minimum ('/')"),
}


def _percent(share: float) -> str:
    """A share as a German percentage rounded to one place (Django's number_format cuts floats off:
    5 of 12 would read 41,6 %)."""
    return f"{format_number(Decimal(repr(share * 100)), 1)} %"


def context(snapshot: Snapshot) -> dict:
    """The report as plain values for a template: totals, rows per indicator, the policy."""
    data = snapshot.head
    report = data.get("suppression")
    if not report:
        return {"available": False}
    titles = {i["key"]: i.get("title", i["key"]) for i in data.get("indicators", [])}
    rows = []
    for key, entry in report["indicators"].items():
        hidden = sum(entry["hidden"].values())
        if hidden:
            rows.append(
                {
                    "key": key,
                    "title": titles.get(key, key),
                    "cells": entry["cells"],
                    "hidden": [(str(REASONS.get(r, r)), n) for r, n in entry["hidden"].items()],
                    "hidden_share": _percent(hidden / entry["cells"]),
                    "secondary_share_of_value": _percent(entry["secondary_share_of_value"]),
                }
            )
    policy = report.get("policy") or {}
    return {
        "available": True,
        "cells": report["cells"],
        "hidden": [(str(REASONS.get(r, r)), n) for r, n in report["hidden"].items()],
        "hidden_total": sum(report["hidden"].values()),
        "hidden_share": _percent(report["hidden_share"]),
        "declared": report["relations"]["declared"],
        "derived": report["relations"]["derived"],
        "disclosed": report.get("disclosed", 0),
        "min_count": policy.get("min_count"),
        "small_area_min_count": policy.get("small_area_min_count"),
        "own_policies": len(policy.get("indicators") or {}),
        "rows": rows,
    }


def as_text(snapshot: Snapshot) -> str:
    """The report as lines of text for the command line."""
    c = context(snapshot)
    head = _("Suppression report of snapshot %(number)d (%(title)s)") % {
        "number": snapshot.number,
        "title": snapshot.title,
    }
    if not c["available"]:
        return head + "\n" + _("This snapshot was frozen before suppression reports existed.")
    lines = [
        head,
        _(
            "Policy: minimum count %(min)s; small areas %(small)s; %(own)d indicator(s) with their own settings."
        )
        % {"min": c["min_count"], "small": c["small_area_min_count"] or "–", "own": c["own_policies"]},
        _("%(hidden)s of %(cells)s cells hidden (%(share)s).")
        % {
            "hidden": number_format(c["hidden_total"], force_grouping=True),
            "cells": number_format(c["cells"], force_grouping=True),
            "share": c["hidden_share"],
        },
    ]
    lines += [f"  {label}: {number_format(n, force_grouping=True)}" for label, n in c["hidden"]]
    lines.append(
        _(
            "Relations used: %(declared)d written in the concept, %(derived)d derived from totals and the "
            "area tree; %(disclosed)d cells known from earlier releases."
        )
        % {"declared": c["declared"], "derived": c["derived"], "disclosed": c["disclosed"]}
    )
    for row in c["rows"]:
        detail = ", ".join(f"{label} {n}" for label, n in row["hidden"])
        lines.append(
            f"  {row['title']}: "
            + _(
                "%(share)s of %(cells)d cells hidden (%(detail)s); secondary cells hold %(value)s of the counted total"
            )
            % {
                "share": row["hidden_share"],
                "cells": row["cells"],
                "detail": detail,
                "value": row["secondary_share_of_value"],
            }
        )
    return "\n".join(lines)
