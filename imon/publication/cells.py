"""Which observations the public may see, and as what: the cells of the boundary.

Suppression is decided on everything published together, not on the part that one page or file
shows, so that every output hides the same cells. The plain functions that decide it live in
`suppression`; this module reads the database and applies them.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from itertools import compress, groupby, repeat
from operator import is_not, le

from django.conf import settings
from django.db.models.sql.constants import MULTI

from imon.core import models as m

from . import suppression
from .suppression import Policy, public_value

ORDER = ("indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key")
CHUNK = 2000  # rows fetched at a time by `_columns`
COLUMNS = (  # of an observation, as suppression_of reads them (`_cells`)
    "indicator_id",
    "area_id",
    "reference_date",
    "dim_key",
    "value",
    "flag",
    "qualifier",
    "period",
    "source_id",
)


def released_values(snapshot: dict) -> dict:
    """{(indicator, area, date, dim_key): value} of the cells a release (a snapshot document)
    showed with a value: what the public knows from it."""
    return {
        (
            o["indicator"],
            o["area"],
            datetime.date.fromisoformat(str(o["date"])),
            m.dimension_key(o["dims"]),
        ): Decimal(str(o["value"]))
        for o in snapshot.get("observations", [])
        if o.get("value") is not None
    }


def hidden_cells(indicator_keys, earlier: dict | None = None) -> dict:
    """{(indicator, area, date, dim_key): reason} of every observation of these indicators (and of
    the indicators their rules link them to) that the public must not see; `earlier` holds what
    the previous releases showed ({key: value}, see `released_values`): a cell they showed with the
    value it still has is known, and hiding it now protects nothing."""
    return suppression_of(indicator_keys, earlier)[0]


def current_policy() -> dict:
    """The confidentiality policy in force, as plain data: the project's settings and every
    indicator's and source's own. A release records it; when it changes, the release is out of date."""
    indicators = {}
    for indicator in m.Indicator.objects.select_related("source").order_by("key"):
        own = {
            name: indicator.publication_setting(name)
            for name in ("min_count", "small_area_min_count", "rounding", "min_denominator")
            if indicator.publication_setting(name)
        }
        if own:
            indicators[indicator.key] = own
    return {
        "min_count": settings.IMON_MIN_COUNT,
        "small_area_min_count": getattr(settings, "IMON_SMALL_AREA_MIN_COUNT", None),
        "indicators": indicators,
    }


class Read:
    """The observations `suppression_of` read, for making the public rows without reading them
    again: a column (list) for each of their parts, the rows in the order of the public tables
    (ORDER). The values are as stored (the suppression takes some stated values otherwise, see
    `suppression.inexact_value`), the source is the observation's own source's key or None; dims
    are shared by the rows of a breakdown."""

    NAMES = (
        "keys",
        "indicators",
        "areas",
        "dates",
        "dim_keys",
        "dims",
        "values",
        "flags",
        "qualifiers",
        "periods",
        "sources",
    )

    def __init__(self):
        self.columns: dict[str, list] = {name: [] for name in self.NAMES}

    def extend(self, **columns) -> None:
        for name, column in columns.items():
            self.columns[name].extend(column)


class Made(dict):
    """{thing: what `make` makes of it}, made once for each thing; things for which `keep` is false
    are made again each time."""

    def __init__(self, make, keep=lambda _thing: True):
        super().__init__()
        self.make, self.keep = make, keep

    def __missing__(self, thing):
        made = self.make(thing)
        if self.keep(thing):
            self[thing] = made
        return made


def _converted(functions, expression, connection) -> Made:
    """The values of a column as the database's converters make them, each distinct stored
    value converted once ({(type, stored value): value}); converters make immutable values
    (numbers, dates, text) that depend only on the stored value. Falsy values are converted
    each time: -0.0 equals 0.0 but need not convert to the same decimal."""

    def convert(typed):
        value = typed[1]
        for function in functions:
            value = function(value, expression, connection)
        return value

    return Made(convert, keep=lambda typed: bool(typed[1]))


def _columns(query):
    """The rows of a `values_list` query (of fields converted to immutable values), a chunk at a
    time as a list of columns, with the database's converters (e.g. SQLite's for decimals)
    applied a column at a time, which costs less than Django's loop over every value of every
    row: the same values."""
    compiler = query.query.get_compiler(using=query.db)
    chunks = compiler.execute_sql(MULTI, chunk_size=CHUNK) or ()
    converters = [
        (position, _converted(functions, expression, compiler.connection))
        for position, (functions, expression) in sorted(
            compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]).items()
        )
    ]
    for chunk in chunks:
        if not chunk:
            continue
        columns: list = list(zip(*chunk, strict=True))
        for position, converted in converters:
            stored = columns[position]
            columns[position] = list(map(converted.__getitem__, zip(map(type, stored), stored, strict=True)))
        yield columns


def _cells(query, lookups: "Lookups", read: Read | None, policy_of, released_of) -> tuple[dict, set, set]:
    """The cells of the observations of `query` (COLUMNS) as the suppression takes them:
    ({key: (value, flag, dims)}, the keys of cells stated approximately or as a bound
    (`suppression.inexact_value`, with the minimum count of `policy_of(key)`), the keys of cells
    whose publisher released them (`released_of(indicator, source id)`, None: none)); `read`
    (`Read`) gets the rows."""
    cells: dict = {}
    stated: set = set()
    released: set = set()
    parsed: dict[str, dict] = {}  # the cells of one breakdown share one dims mapping (read only)
    indicator_keys, area_keys, source_keys = lookups.keys_by_id
    for columns in _columns(query):
        indicator_ids, area_ids, dates, dim_keys, stored, flags, qualifiers, periods, source_ids = columns
        indicators = list(map(indicator_keys.__getitem__, indicator_ids))
        areas = list(map(area_keys.__getitem__, area_ids))
        keys = list(zip(indicators, areas, dates, dim_keys, strict=True))
        for dim_key in set(dim_keys).difference(parsed):
            parsed[dim_key] = m.parse_dimension_key(dim_key)
        all_dims = list(map(parsed.__getitem__, dim_keys))
        values = list(stored)
        if any(qualifiers):
            for i, key in enumerate(keys):
                if qualifiers[i]:
                    values[i] = suppression.inexact_value(values[i], qualifiers[i], policy_of(key).min_count)
                    stated.add(key)
        cells.update(zip(keys, zip(values, flags, all_dims, strict=True), strict=True))
        if released_of is not None:
            released.update(
                key
                for key, ind, source in zip(keys, indicators, source_ids, strict=True)
                if released_of(ind, source)
            )
        if read is not None:
            sources = list(map(source_keys.get, source_ids))
            read.extend(
                keys=keys,
                indicators=indicators,
                areas=areas,
                dates=dates,
                dim_keys=dim_keys,
                dims=all_dims,
                values=stored,
                flags=flags,
                qualifiers=qualifiers,
                periods=periods,
                sources=sources,
            )
    return cells, stated, released


class Lookups:
    """What `suppression_of` and `Publisher` read besides the observations, each read when first
    asked for: the same for every group of indicators of one release (`public_parts`)."""

    @cached_property
    def rules(self) -> list:
        return list(m.ValidationRule.objects.select_related("indicator", "other_indicator"))

    @cached_property
    def derived_inputs(self) -> dict:
        """{derived indicator: (numerator, denominator)}."""
        return {
            key: (num, den)
            for key, num, den in m.Indicator.objects.exclude(numerator=None).values_list(
                "key", "numerator__key", "denominator__key"
            )
        }

    @cached_property
    def area_children(self) -> dict:
        return m.area_children()

    @cached_property
    def released_sources(self) -> set:
        return set(m.Source.objects.filter(released=True).values_list("pk", flat=True))

    @cached_property
    def totals(self) -> dict:
        """{dimension: its total value}."""
        return dict(m.DimensionValue.objects.filter(is_total=True).values_list("dimension__key", "key"))

    @cached_property
    def _indicators(self) -> dict:
        query = m.Indicator.objects.select_related("source", "numerator", "denominator")
        return {i.key: i for i in query}

    @cached_property
    def keys_by_id(self) -> tuple[dict, dict, dict]:
        """The keys of the indicators, areas and sources by their ids."""
        return (
            {i.pk: key for key, i in self._indicators.items()},
            dict(m.Area.objects.values_list("pk", "key")),
            dict(m.Source.objects.values_list("pk", "key")),
        )

    def indicators(self, keys) -> dict:
        """{key: indicator} of those of `keys` that exist, in the indicators' order."""
        return {key: i for key, i in self._indicators.items() if key in keys}


def suppression_of(
    indicator_keys, earlier: dict | None = None, read: "Read | None" = None, lookups: Lookups | None = None
) -> tuple[dict, dict]:
    """`hidden_cells`, and what the suppression used: {"relations": {"declared": n, "derived": n},
    "disclosed": cells known from earlier releases}. With `read` (`Read`), the observations are
    read in the order of the public tables (ORDER) and kept in it, so that they need not be read
    again; `lookups` (`Lookups`) may be shared by the calls for the groups of one release."""
    from imon.core import rules

    lookups = lookups or Lookups()
    keys = set(indicator_keys)
    rule_objects = lookups.rules
    derived_inputs = lookups.derived_inputs
    linked = True
    while linked:  # follow product rules both ways, and derived indicators to their inputs
        linked = False
        for rule in rule_objects:
            other = rule.other_indicator
            if other is not None and (rule.indicator.key in keys) != (other.key in keys):
                keys |= {rule.indicator.key, other.key}
                linked = True
        for key in keys & set(derived_inputs):
            if not set(derived_inputs[key]) <= keys:
                keys |= set(derived_inputs[key])
                linked = True
    rule_list = [rules.rule_from_model(r) for r in rule_objects if r.indicator.key in keys]
    children = lookups.area_children
    indicators = lookups.indicators(keys)
    default, policies, area_policies = publication_policies(indicators.values())
    released_sources = lookups.released_sources
    query = m.Observation.objects.filter(indicator__key__in=keys).values_list(*COLUMNS)
    cells, stated, released = _cells(
        query.order_by(*ORDER) if read is not None else query,
        lookups,
        read,
        lambda key: suppression.policy_for(key, default, policies, area_policies),
        (
            (lambda ind, source: (source or indicators[ind].source_id) in released_sources)
            if released_sources
            else None
        ),
    )
    counts = {key for key, indicator in indicators.items() if indicator.kind == "count"}
    is_count = lambda key: key[0] in counts  # noqa: E731
    totals = lookups.totals
    declared = suppression.relations_from_rules(rule_list, cells, children)
    earlier = earlier or {}
    disclosed = frozenset(
        k
        for k, (value, _flag, _dims) in (cells.items() if earlier else ())
        if value is not None and earlier.get(k) == value
    )
    if released.issuperset(suppression.primary(cells, is_count, default, policies, area_policies)):
        # Nothing below the minimum count nor secret at the source (or only cells their publisher
        # released): `suppress` would hide nothing, and nothing lies beside a hidden cell. The
        # relations are only counted, for the report.
        hidden: dict = {}
        found = suppression.count_derived_relations(cells, totals, children, is_count)
    else:
        relations = suppression.derived_relations(cells, totals, children, is_count)
        found = len(relations)
        relations = declared + relations
        hidden = suppression.suppress(
            cells, relations, is_count, default, policies, area_policies, disclosed, frozenset(released)
        )
        hidden |= suppression.beside_hidden(stated - released, relations, hidden)
    derivations = {k: derived_inputs[k] for k in keys & set(derived_inputs)}
    minimums = {
        k: i.publication_setting("min_denominator")
        for k, i in indicators.items()
        if i.publication_setting("min_denominator")
    }
    hidden |= {
        k: r
        for k, r in suppression.derived(cells, hidden, derivations, minimums).items()
        if k not in released
    }
    used = {"relations": {"declared": len(declared), "derived": found}, "disclosed": len(disclosed)}
    return hidden, used


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


class Publisher:
    """What the public sees of each cell of these indicators: hidden cells as their symbol,
    counts rounded where the indicator or its source rounds, shares and rates that we compute
    with the precision their indicator states — from the published (rounded) inputs where
    those are rounded, so that a precise share cannot pin a rounded count. A share is never
    rounded as a count."""

    def __init__(
        self,
        indicator_keys,
        earlier: dict | None = None,
        read: Read | None = None,
        lookups: Lookups | None = None,
    ):
        lookups = lookups or Lookups()
        self.hidden, self.used = suppression_of(indicator_keys, earlier, read, lookups)
        indicators = lookups.indicators(set(indicator_keys) | {k[0] for k in self.hidden})
        self.derived = {
            key: (i.numerator.key, i.denominator.key, Decimal(1000 if i.kind == "rate" else 100), i.decimals)
            for key, i in indicators.items()
            if i.numerator is not None and i.denominator is not None
        }
        inputs = {name for n, d, _f, _p in self.derived.values() for name in (n, d)}
        indicators |= lookups.indicators(inputs - indicators.keys())
        self.rounding = {
            key: i.publication_setting("rounding") if i.kind == m.Indicator.Kind.COUNT else None
            for key, i in indicators.items()
        }
        rounded = {k for k in inputs if self.rounding.get(k)}
        self.inputs, self.dates = {}, defaultdict(list)
        if rounded:
            for ind, area, date, dim_key, value in m.Observation.objects.filter(
                indicator__key__in=rounded
            ).values_list("indicator__key", "area__key", "reference_date", "dim_key", "value"):
                self.inputs[(ind, area, date, dim_key)] = value
                self.dates[(ind, area, dim_key)].append(date)
            for series in self.dates.values():
                series.sort()

    def plain(self, indicator: str) -> bool:
        """Whether every cell of `indicator` is published as it is: (value, flag, None), as
        calling this publisher would give it."""
        return not self.hidden and indicator not in self.derived and not self.rounding.get(indicator)

    def __call__(self, key: tuple, value, flag: str) -> tuple:
        """(value, flag, reason) as published; reason is None for a published cell."""
        reason = self.hidden.get(key)
        if reason or value is None or key[0] not in self.derived:
            value, flag = public_value(value, flag, reason, self.rounding.get(key[0]))
            return value, flag, reason
        numerator, denominator, factor, decimals = self.derived[key[0]]
        if self.rounding.get(numerator) or self.rounding.get(denominator):
            value = self._from_published_inputs(key, numerator, denominator, factor, value)
        if value is not None:
            value = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return value, flag, None

    def _from_published_inputs(self, key, numerator, denominator, factor, value):
        from imon.core.derivation import input_keys

        num_key, den_key = input_keys(key, numerator, denominator, self.dates)
        if num_key is None or den_key is None:
            return value
        num = public_value(self.inputs.get(num_key), "", None, self.rounding.get(numerator))[0]
        den = public_value(self.inputs.get(den_key), "", None, self.rounding.get(denominator))[0]
        if num is None or not den:
            return value
        return Decimal(num) / Decimal(den) * factor


def linked_groups(indicator_keys) -> list[list[str]]:
    """The indicators in groups that suppression must decide together: those that a rule relates
    (a product or sum rule over two indicators) and a derived share or rate with its numerator
    and denominator. Each group in the order of its first indicator in `indicator_keys`; every
    other indicator is a group of its own. Suppression decided group by group hides exactly the
    cells it hides deciding all at once, holding only one group's cells in memory."""
    keys = list(indicator_keys)
    parent = {key: key for key in keys}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    links = list(
        m.ValidationRule.objects.exclude(other_indicator=None).values_list(
            "indicator__key", "other_indicator__key"
        )
    )
    for key, num, den in m.Indicator.objects.exclude(numerator=None).values_list(
        "key", "numerator__key", "denominator__key"
    ):
        links += [(key, num), (key, den)]
    for a, b in links:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return list(groups.values())


def _row(indicator, area, date, dims, value, flag, qualifier, period, source, reason) -> dict:
    """An observation as the public may see it (`public_parts`); `dims` is shared: copied here."""
    row = {"indicator": indicator, "area": area, "date": date, "dims": dict(dims)}
    row["value"] = value.normalize() if value is not None else None
    row["flag"] = flag
    if qualifier and value is not None:
        row["qualifier"] = qualifier
    if period:
        row["period"] = period
    if source:  # the observation's own source; else the indicator's
        row["source"] = source
    if reason:
        row["suppressed"] = reason
    return row


def public_parts(
    reporting_date: datetime.date, earlier, report: "suppression.Report", used: dict, make_row=_row
):
    """(indicator, its observations up to `reporting_date` as the public may see them), one
    indicator at a time, suppression decided per `linked_groups` group: memory holds one group.
    `earlier(keys)`: what the previous releases showed of these indicators (`released_values`);
    `report` (`suppression.Report`) and `used` ({"relations": {...}, "disclosed": n}) are filled
    in on the way. `make_row` makes each row from the arguments of `_row` (its dims shared by
    the rows of a breakdown: a maker that keeps them copies them)."""
    ordered = list(m.Indicator.objects.order_by("order", "key").values_list("key", flat=True))
    used.setdefault("relations", {"declared": 0, "derived": 0})
    used.setdefault("disclosed", 0)
    lookups = Lookups()
    for group in linked_groups(ordered):
        # the observations of the group, read once: for the suppression and for the parts
        read = Read()
        publish = Publisher(group, earlier(group), read, lookups)
        used["relations"]["declared"] += publish.used["relations"]["declared"]
        used["relations"]["derived"] += publish.used["relations"]["derived"]
        used["disclosed"] += publish.used["disclosed"]
        yield from _group_parts(read, set(group), reporting_date, publish, report, make_row)


def _group_parts(read: Read, members: set, reporting_date, publish: Publisher, report, make_row):
    """`public_parts` of one group, whose observations `read` holds."""
    columns = read.columns
    start = 0
    for indicator, run in groupby(columns["indicators"]):
        begin, start = start, start + len(list(run))
        if indicator not in members:
            continue
        published = list(map(le, columns["dates"][begin:start], repeat(reporting_date)))
        if all(published):
            rows = {name: column[begin:start] for name, column in columns.items()}
        else:
            chosen = list(compress(range(begin, start), published))
            if not chosen:
                continue
            rows = {name: list(map(column.__getitem__, chosen)) for name, column in columns.items()}
        yield indicator, _part(indicator, rows, publish, report, make_row)


def _part(indicator: str, rows: dict[str, list], publish: Publisher, report, make_row) -> list:
    """The rows of one indicator's part (`rows`: the columns of `Read`) as the public may see them,
    made by `make_row`, or by `make_row.plain` if it has one and publishing leaves every cell as
    it is; reported to `report`."""
    values = rows["values"]
    if publish.plain(indicator):
        report.add_published(indicator, len(values), sum(compress(values, map(is_not, values, repeat(None)))))
        plain = getattr(make_row, "plain", None)
        if plain is not None:
            names = (
                "areas",
                "dates",
                "dim_keys",
                "dims",
                "values",
                "flags",
                "qualifiers",
                "periods",
                "sources",
            )
            return plain(*(rows[name] for name in names))
        return [
            make_row(indicator, area, date, dims, value, flag, qualifier, period, source, None)
            for area, date, dims, value, flag, qualifier, period, source in zip(
                *(
                    rows[name]
                    for name in (
                        "areas",
                        "dates",
                        "dims",
                        "values",
                        "flags",
                        "qualifiers",
                        "periods",
                        "sources",
                    )
                ),
                strict=True,
            )
        ]
    part = []
    for key, area, date, dims, stored, flag, qualifier, period, source in zip(
        *(
            rows[name]
            for name in (
                "keys",
                "areas",
                "dates",
                "dims",
                "values",
                "flags",
                "qualifiers",
                "periods",
                "sources",
            )
        ),
        strict=True,
    ):
        value, public_flag, reason = publish(key, stored, flag)
        part.append(
            make_row(indicator, area, date, dims, value, public_flag, qualifier, period, source, reason)
        )
        report.add(indicator, reason, stored)
    return part


def public_observations(
    reporting_date: datetime.date, earlier: dict | None = None
) -> tuple[list[dict], dict]:
    """The observations up to `reporting_date` as the public may see them, for a snapshot:
    suppressed cells keep their place with the symbol and the reason; and the suppression report
    of them (`suppression.report`). `earlier`: what the previous releases showed (`released_values`)."""
    report, used = suppression.Report(), dict[str, object]()
    known = earlier or {}
    result = [
        row
        for _key, rows in public_parts(
            reporting_date, lambda keys: {k: v for k, v in known.items() if k[0] in keys}, report, used
        )
        for row in rows
    ]
    return result, report.as_dict(used, current_policy())
