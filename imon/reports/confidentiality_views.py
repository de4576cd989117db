"""The staff page that shows which cells the confidentiality boundary blocks, and why."""

import re

from django.shortcuts import render
from django.utils.translation import gettext as _

from imon.core import models as m
from imon.core.access import staff_permission_required
from imon.publication import hidden_cells


@staff_permission_required("core.view_observation")
def confidentiality_overview(request):
    """Per indicator: which cells are blocked for publication, and why."""
    reasons = {
        "primary": _("below the minimum count (primary)"),
        "secondary": _("would reveal a blocked cell (secondary)"),
        "source": _("kept secret by the source"),
        "derived": _("share or rate of a blocked count"),
        "uncertain": _("denominator below the minimum ('/')"),
    }
    indicators = list(
        m.Indicator.objects.filter(observations__isnull=False).distinct().order_by("order", "key")
    )
    hidden = hidden_cells({i.key for i in indicators})
    observations = {
        (o.indicator.key, o.area.key, o.reference_date, o.dim_key): o
        for o in m.Observation.objects.filter(indicator__in=indicators).select_related("indicator", "area")
    }
    blocked: dict[m.Indicator, list[tuple[m.Observation, str]]] = {}
    natural = lambda item: [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", item[0][3])]  # noqa: E731
    for key, reason in sorted(hidden.items(), key=lambda item: (item[0][:3], natural(item))):
        obs = observations.get(key)
        if obs is not None:
            blocked.setdefault(obs.indicator, []).append((obs, reasons[reason]))
    return render(request, "core/confidentiality.html", {"blocked": blocked, "checked": len(indicators)})
