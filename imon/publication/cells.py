"""Which observations the public may see, and as what: the cells of the boundary.

Suppression is decided on everything published together, not on the part that one page or file
shows, so that every output hides the same cells. The plain functions that decide it live in
`suppression`; this module reads the database and applies them.
"""

import datetime

from django.conf import settings

from imon.core import models as m

from . import suppression
from .suppression import Policy, public_value

ORDER = ("indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key")


def hidden_cells(indicator_keys) -> dict:
    """{(indicator, area, date, dim_key): reason} of every observation of these indicators (and of
    the indicators their rules link them to) that the public must not see."""
    from imon.core import rules

    keys = set(indicator_keys)
    rule_objects = list(m.ValidationRule.objects.select_related("indicator", "other_indicator"))
    derived_inputs = {
        key: (num, den)
        for key, num, den in m.Indicator.objects.exclude(numerator=None).values_list(
            "key", "numerator__key", "denominator__key"
        )
    }
    linked = True
    while linked:  # follow product rules both ways, and derived indicators to their inputs
        linked = False
        for rule in rule_objects:
            if rule.other_indicator_id and (rule.indicator.key in keys) != (rule.other_indicator.key in keys):
                keys |= {rule.indicator.key, rule.other_indicator.key}
                linked = True
        for key in keys & set(derived_inputs):
            if not set(derived_inputs[key]) <= keys:
                keys |= set(derived_inputs[key])
                linked = True
    cells = {
        (ind, area, date, dim_key): (value, flag, m.parse_dimension_key(dim_key))
        for ind, area, date, dim_key, value, flag in m.Observation.objects.filter(
            indicator__key__in=keys
        ).values_list("indicator__key", "area__key", "reference_date", "dim_key", "value", "flag")
    }
    rule_list = [rules.rule_from_model(r) for r in rule_objects if r.indicator.key in keys]
    children = m.area_children()
    indicators = {i.key: i for i in m.Indicator.objects.filter(key__in=keys).select_related("source")}
    default, policies, area_policies = publication_policies(indicators.values())
    relations = suppression.relations_from_rules(rule_list, cells, children)
    is_count = lambda key: indicators[key[0]].kind == "count"  # noqa: E731
    hidden = suppression.suppress(cells, relations, is_count, default, policies, area_policies)
    derivations = {k: derived_inputs[k] for k in keys & set(derived_inputs)}
    minimums = {
        k: i.publication_setting("min_denominator")
        for k, i in indicators.items()
        if i.publication_setting("min_denominator")
    }
    hidden |= suppression.derived(cells, hidden, derivations, minimums)
    return hidden


def publication_policies(indicators) -> tuple:
    """The confidentiality policies of these indicators (with their sources loaded): the project
    default, {indicator: policy} where the indicator or its source sets a minimum count, and
    {(indicator, area): policy} with the stricter minimum count for small areas (quarters and
    statistical areas), where the indicator, its source or the project sets one.
    Precedence: indicator, then source, then project (IMON_MIN_COUNT, IMON_SMALL_AREA_MIN_COUNT)."""
    default = Policy(min_count=settings.IMON_MIN_COUNT)
    small_default = getattr(settings, "IMON_SMALL_AREA_MIN_COUNT", None)
    policies, area_policies, small_areas = {}, {}, None
    for indicator in indicators:
        min_count = indicator.publication_setting("min_count")
        if min_count:
            policies[indicator.key] = Policy(min_count=min_count)
        small = indicator.publication_setting("small_area_min_count") or small_default
        if small and small > policies.get(indicator.key, default).min_count:
            if small_areas is None:
                small_areas = list(
                    m.Area.objects.filter(kind__in=m.SMALL_AREA_KINDS).values_list("key", flat=True)
                )
            area_policies.update({(indicator.key, area): Policy(min_count=small) for area in small_areas})
    return default, policies, area_policies


def public_observations(reporting_date: datetime.date) -> list[dict]:
    """The observations up to `reporting_date` as the public may see them, for a snapshot:
    suppressed cells keep their place with the symbol and the reason."""
    indicators = {i.key: i for i in m.Indicator.objects.select_related("source")}
    rounding = {key: i.publication_setting("rounding") for key, i in indicators.items()}
    hidden = hidden_cells(indicators)
    rows = (
        m.Observation.objects.filter(reference_date__lte=reporting_date)
        .order_by(*ORDER)
        .values_list("indicator__key", "area__key", "reference_date", "dim_key", "value", "flag")
        .iterator(chunk_size=5000)
    )
    result = []
    for indicator, area, date, dim_key, value, flag in rows:
        reason = hidden.get((indicator, area, date, dim_key))
        value, flag = public_value(value, flag, reason, rounding[indicator])
        row = {"indicator": indicator, "area": area, "date": date, "dims": m.parse_dimension_key(dim_key)}
        row["value"] = value.normalize() if value is not None else None
        row["flag"] = flag
        if reason:
            row["suppressed"] = reason
        result.append(row)
    return result


def public_records(indicator: str | None = None, area: str | None = None):
    """(indicator, area, area_name, reference_date, dims, value, flag, unit, source) of the stored
    observations as the public may see them, in the order of the long format (for
    `imon export-data --public`; see `imon.core.exports.long_format`)."""
    qs = m.Observation.objects.select_related("indicator__source", "area").order_by(*ORDER)
    if indicator:
        qs = qs.filter(indicator__key=indicator)
    if area:
        qs = qs.filter(area__key=area) | qs.filter(area__code=area)
    hidden = hidden_cells(set(qs.values_list("indicator__key", flat=True).distinct()))
    for obs in qs.iterator(chunk_size=5000):
        reason = hidden.get((obs.indicator.key, obs.area.key, obs.reference_date, obs.dim_key))
        value, flag = public_value(obs.value, obs.flag, reason, obs.indicator.publication_setting("rounding"))
        source = str(obs.indicator.source) if obs.indicator.source else ""
        yield (
            obs.indicator.key,
            obs.area.key,
            obs.area.name,
            obs.reference_date,
            obs.dims,
            value,
            flag,
            obs.indicator.unit,
            source,
        )
