"""Statistical confidentiality: which cells the public must not see, as plain functions.

Primary suppression hides counts below the threshold (by default 1 and 2;
0 may be shown). Secondary suppression hides further cells until no hidden
cell can be recomputed from what is published: the relations between cells
(totals = sum of parts, persons = household size × households, areas = sum of
sub-areas) are linear equations, and for every sensitive cell the smallest
and largest value consistent with the published cells (all counts >= 0) are
computed by linear programming. While that interval is narrower than the
protection width, a published cell of a relation that holds the sensitive cell
tight is hidden as well, the smallest first, so that little is hidden. Most
cells are proved protected in bulk, most missing protection is found quickly
from the relations near a cell, and the last word for every cell is its whole
neighbourhood (see `suppress`). The order is fixed, which keeps the choice
stable between runs.

Values the source already marks as secret (`.`) are sensitive as well: they
are unknown to everybody and must stay so.

What the attacker is assumed to know (the protection model):
- every relation between published cells, whether a rule states it or not: a breakdown's total
  is the sum of its parts, an area is the sum of its sub-areas (`derived_relations`); where the
  parts leave something open (a part without a row, a breakdown of "of which" values), the
  relation keeps an unknown remainder `REST` >= 0, so it still bounds the parts;
- a primary-suppressed count lies in [1, minimum count − 1] (zero is published), and the attacker
  may know which hidden cells are primary; every other hidden count lies in [0, ∞);
- a primary cell is protected only if the relations do not narrow that interval (by default:
  the policy's width, capped at the width of the interval itself); a cell kept secret by the
  source needs the policy's width;
- shares and rates give away their numerator and denominator: they are hidden where an input is
  hidden, at the reference dates really used (`derived`).
"""

from collections import defaultdict, deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby, repeat
from operator import is_, itemgetter

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PRIMARY, SECONDARY, SOURCE, DERIVED, UNCERTAIN = "primary", "secondary", "source", "derived", "uncertain"
EPSILON = 1e-6
LOCAL_DEPTH = 2  # steps of relations around a cell in the quick first pass of `suppress`


_HEAD = itemgetter(slice(0, 3))  # (indicator, area, date) of a key
REST = "~"  # marks the unknown remainder of a relation; never part of a real key


@dataclass(frozen=True)
class Policy:
    min_count: int = 3  # counts 1 .. min_count-1 are hidden
    protection: int | None = None  # required width of a hidden cell's interval; default min_count

    @property
    def width(self) -> int:
        return self.protection if self.protection is not None else self.min_count

    @property
    def primary_interval(self) -> tuple[int, int]:
        """Where a primary-suppressed count lies, as everybody knows: 1 .. min_count − 1."""
        return 1, self.min_count - 1

    def required_width(self, primary: bool) -> float:
        """How wide a hidden cell's feasible interval must stay: the policy's width, but for a
        primary cell never more than the width of [1, min_count − 1] itself."""
        low, high = self.primary_interval
        return min(self.width, high - low) if primary else self.width


def rest_key(key: tuple, what: str) -> tuple:
    """The variable for what the published parts of a relation leave open (>= 0)."""
    return (key[0], f"{key[1]}{REST}{what}", key[2], key[3])


def _known_number(cell):
    value, flag = cell[0], cell[1]
    if value is None:
        return Decimal(0) if flag == "-" else None
    return Decimal(value)


def sum_relation(
    total: tuple, parts: list, cells: dict, what: str, complete: bool = True
) -> "Relation | None":
    """total = Σ parts (+ an unknown remainder): the relation an attacker may use.

    Which one it is, is decided on the true values, which the defender knows: where they add up
    (and no part is missing), the equality; where the parts add up to less (a part without a row,
    "of which" values), total = Σ parts + remainder with the remainder >= 0; where they add up to
    more, none (the values are not parts of that total). Cells without a value (secret at the
    source) make the check impossible: then the equality, the attacker's strongest assumption."""
    if not parts:
        return None
    return _sum_relation(total, parts, [_known_number(cells[k]) for k in (total, *parts)], what, complete)


def _sum_relation(total: tuple, parts: list, values: list, what: str, complete: bool) -> "Relation | None":
    """`sum_relation` with the known numbers of the total and the parts, in that order."""
    terms = ((1, total), *((-1, p) for p in parts))
    if None in values:
        return Relation(terms) if complete else Relation((*terms, (-1, rest_key(total, what))))
    difference = values[0] - sum(values[1:])
    if difference < 0:
        return None
    if difference == 0 and complete:
        return Relation(terms)
    return Relation((*terms, (-1, rest_key(total, what))))


def derived_relations(cells: dict, totals: dict, area_children: dict | None, is_count) -> "list[Relation]":
    """The relations nobody wrote down but everybody can see, between counts of `cells`:
    every breakdown with a total value ({dimension: total value} in `totals`) sums to its total,
    and every area with sub-areas is the sum of them."""
    relations = (_sum_relation(*sum_) for sum_ in _sums(cells, totals, area_children, is_count))
    return [r for r in relations if r is not None]


def count_derived_relations(cells: dict, totals: dict, area_children: dict | None, is_count) -> int:
    """len(derived_relations(...)), without making them: for the suppression report, where
    nothing is hidden and so no relation is needed.

    The sums are found as `_sums` finds them, but once for every arrangement of breakdowns: the
    cells of an area and date (a "block") are listed in the order of `cells`, and blocks with the
    same breakdowns in the same order share where their totals and parts are (`_block_sums`)."""
    blocks, unknown = _blocks(cells, is_count)
    sums: dict[tuple, list] = {}  # arrangement (ids of the dims) -> [(total, parts)] by position
    split: dict[int, dict] = {}  # id of a dims mapping -> {dimension: (its value, the other dims)}
    found = 0
    for block_key, (_dim_keys, all_dims, numbers) in blocks.items():
        arrangement = tuple(map(id, all_dims))
        positions = sums.get(arrangement)
        if positions is None:
            positions = sums[arrangement] = _block_sums(all_dims, totals, split)
        if block_key in unknown:
            found += sum(1 for t, get in positions if _relates(numbers[t], get(numbers)))
        else:  # where _sum_relation gives one
            found += sum([numbers[t] - sum(get(numbers)) >= 0 for t, get in positions])
    if area_children:
        found += _count_area_sums(blocks, unknown, area_children)
    return found


def _blocks(cells: dict, is_count) -> tuple[dict, set]:
    """{(indicator, area, date): [dim keys, dims, known numbers]} of the counts among `cells`,
    each in the order of `cells`, and the keys of the blocks with a cell of unknown number. The
    cells of a block mostly follow each other: they are taken a run at a time."""
    keys = [key for key in cells if is_count(key)]
    entries = list(map(cells.__getitem__, keys))
    blocks: dict[tuple, list] = {}
    unknown = set()
    start = 0
    for head, run in groupby(map(_HEAD, keys)):
        stop = start + len(list(run))
        run_entries = entries[start:stop]
        values = [entry[0] for entry in run_entries]
        if any(map(is_, values, repeat(None))):
            numbers = [_known_number(entry) for entry in run_entries]
            if any(map(is_, numbers, repeat(None))):
                unknown.add(head)
        elif set(map(type, values)) == {Decimal}:
            numbers = values  # Decimal(value) would be the same number
        else:
            numbers = list(map(Decimal, values))
        dim_keys = [key[3] for key in keys[start:stop]]
        all_dims = [entry[2] for entry in run_entries]
        block = blocks.get(head)
        if block is None:
            blocks[head] = [dim_keys, all_dims, numbers]
        else:  # the block's cells are not all together in `cells`
            for part, more in zip(block, (dim_keys, all_dims, numbers), strict=True):
                part.extend(more)
        start = stop
    return blocks, unknown


def _relates(total, parts) -> bool:
    """Whether `_sum_relation` makes a relation of a total and its parts with these known numbers
    (None: unknown)."""
    return total is None or any(map(is_, parts, repeat(None))) or total - sum(parts) >= 0


def _block_sums(all_dims: list, totals: dict, split: dict) -> list[tuple[int, itemgetter]]:
    """(position of the total, what takes its parts from the positions) of every breakdown sum
    among cells with these dims (one area and date, in this order), as `_sums` groups them."""
    result = []
    for dimension in {d for dims in all_dims for d in dims} & set(totals):
        groups: defaultdict[tuple, dict] = defaultdict(dict)
        for position, dims in enumerate(all_dims):
            if dimension in dims:
                known = split.setdefault(id(dims), {})
                if dimension not in known:
                    others = tuple(sorted((d, v) for d, v in dims.items() if d != dimension))
                    known[dimension] = (dims[dimension], others)
                value, others = known[dimension]
                groups[others][value] = position
        total_value = totals[dimension]
        for members in groups.values():
            total = members.get(total_value)
            parts = tuple(p for value, p in members.items() if value != total_value)
            if total is not None and parts:
                # a sequence also of a single part
                result.append(
                    (
                        total,
                        itemgetter(*parts) if len(parts) > 1 else itemgetter(slice(parts[0], parts[0] + 1)),
                    )
                )
    return result


def _count_area_sums(blocks: dict, unknown: set, area_children: dict) -> int:
    """How many area sums (an area = the sum of its sub-areas, per date and breakdown) `_sums`
    finds in these blocks (`unknown`: those with a cell of unknown number) that make a relation."""
    found = 0
    by_date: dict[tuple, dict] = defaultdict(dict)  # (indicator, date) -> {area: {dim key: number}}
    unknown_dates = {(indicator, date) for indicator, _area, date in unknown}
    for (indicator, area, date), (dim_keys, _all_dims, numbers) in blocks.items():
        by_date[(indicator, date)][area] = dict(zip(dim_keys, numbers, strict=True))
    for day, areas in by_date.items():
        relates = _relates if day in unknown_dates else lambda total, parts: total - sum(parts) >= 0
        for parent, children in area_children.items():
            if parent not in areas:
                continue
            present = [areas[c] for c in children if c in areas]
            for dim_key, total in areas[parent].items():
                parts = [numbers[dim_key] for numbers in present if dim_key in numbers]
                if parts and relates(total, parts):
                    found += 1
    return found


def _sums(cells: dict, totals: dict, area_children: dict | None, is_count):
    """(total, parts, their known numbers, what, complete) of every sum `derived_relations` checks."""
    numbers = {k: _known_number(v) for k, v in cells.items() if is_count(k)}
    by_indicator: dict[str, list] = defaultdict(list)
    distinct: dict[str, dict] = defaultdict(dict)  # indicator -> {id(dims): dims}
    for key in numbers:
        dims = cells[key][2]
        by_indicator[key[0]].append((key, id(dims)))
        distinct[key[0]][id(dims)] = dims  # most cells share their dims (see suppression_of)
    for indicator, keys in by_indicator.items():
        dimensions = {d for dims in distinct[indicator].values() for d in dims}
        for dimension in sorted(dimensions & set(totals)):
            # each distinct dims mapping split once: (value of `dimension`, the other dims)
            split = {
                ident: (dims[dimension], tuple(sorted((d, v) for d, v in dims.items() if d != dimension)))
                for ident, dims in distinct[indicator].items()
                if dimension in dims
            }
            groups: defaultdict[tuple, dict] = defaultdict(dict)
            for key, ident in keys:
                found = split.get(ident)
                if found is not None:
                    groups[(key[1], key[2], found[1])][found[0]] = key
            total_value = totals[dimension]
            for members in groups.values():
                total = members.get(total_value)
                if total is not None:
                    parts = [k for value, k in sorted(members.items()) if value != total_value]
                    if parts:
                        yield total, parts, [numbers[k] for k in (total, *parts)], dimension, True
        if area_children:
            by_rest: dict[tuple, dict] = defaultdict(dict)
            for key, _ident in keys:
                by_rest[(key[2], key[3])][key[1]] = key
            for members in by_rest.values():
                for parent, children in area_children.items():
                    if parent in members:
                        parts = [members[c] for c in children if c in members]
                        if parts:
                            values = [numbers[k] for k in (members[parent], *parts)]
                            yield members[parent], parts, values, "areas", len(parts) == len(children)


@dataclass(frozen=True)
class Relation:
    """sum(coefficient × cell) = 0, e.g. total − a − b − c = 0 or persons_k − k × households_k = 0."""

    terms: tuple  # ((coefficient, key), ...)


def relations_from_rules(rule_list, cells: dict, area_children: dict | None = None) -> list[Relation]:
    """The linear relations that the validation rules state about `cells` ({key: (value, flag, dims)})."""
    from imon.core.rules import _Index

    if not rule_list:
        return []
    index = _Index({k: _DimsOnly(v[2]) for k, v in cells.items()})
    relations = []
    for rule in rule_list:
        if rule.kind == "part_sum":
            for members in index.groups(rule.indicator, rule.dimension).values():
                if rule.total not in members:
                    continue
                parts = list(rule.parts) or [v for v in members if v != rule.total]
                present = [members[p] for p in parts if p in members]
                terms = ((1, members[rule.total]), *((-1, k) for k in present))
                if len(present) < len(parts):  # a part without a row: still bounded by the total
                    terms = (*terms, (-1, rest_key(members[rule.total], rule.dimension)))
                relations.append(Relation(terms))
        elif rule.kind in ("product", "same"):  # value = k × other; the same quantity: k = 1
            for key in index.by_indicator[rule.indicator]:
                factor = cells[key][2].get(rule.dimension, "") if rule.kind == "product" else "1"
                other = (rule.other_indicator, key[1], key[2], key[3])
                if factor.isdigit() and other in cells:
                    relations.append(Relation(((1, key), (-int(factor), other))))
        elif rule.kind == "area_sum":
            children = (area_children or {}).get(rule.total, [])
            by_rest: dict[tuple, dict] = defaultdict(dict)
            for key in index.by_indicator[rule.indicator]:
                by_rest[(key[2], key[3])][key[1]] = key
            for members in by_rest.values():
                if rule.total in members and children:
                    present = [members[c] for c in children if c in members]
                    terms = ((1, members[rule.total]), *((-1, k) for k in present))
                    if len(present) < len(children):
                        terms = (*terms, (-1, rest_key(members[rule.total], "areas")))
                    relations.append(Relation(terms))
    return relations


class _DimsOnly:
    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims


def policy_for(
    key, policy: Policy, policies: dict | None = None, area_policies: dict | None = None
) -> Policy:
    """The policy of a cell: its (indicator, area) pair's in `area_policies` (e.g. a stricter one
    for small areas), else its indicator's in `policies`, else the default `policy`."""
    if area_policies:
        found = area_policies.get(tuple(key[:2]))
        if found is not None:
            return found
    return (policies or {}).get(key[0], policy)


def primary(
    cells: dict, is_count, policy: Policy, policies: dict | None = None, area_policies: dict | None = None
) -> dict:
    """{key: reason} for counts below the threshold and values the source keeps secret.
    `policies` maps an indicator (the first part of a key) to its own policy, `area_policies`
    an (indicator, area) pair (the first two parts)."""
    hidden = {}
    # no cell from the largest minimum count up is small: most are not asked about
    top = max(p.min_count for p in (policy, *(policies or {}).values(), *(area_policies or {}).values()))
    for key, (value, flag, _dims) in cells.items():
        if value is None:
            if flag == ".":
                hidden[key] = SOURCE
        elif (
            value < top
            and is_count(key)
            and 0 < value < policy_for(key, policy, policies, area_policies).min_count
        ):
            hidden[key] = PRIMARY
    return hidden


def derived(cells: dict, hidden: dict, derivations: dict, min_denominators: dict | None = None) -> dict:
    """Shares and rates follow their inputs: {key: reason} for derived cells whose numerator or
    denominator is hidden (the share would give it away: share × denominator = numerator,
    numerator / share = denominator), at the reference dates really used, or whose denominator is
    below the indicator's minimum ('/').

    `derivations` maps a derived indicator to (numerator, denominator)."""
    from imon.core.derivation import input_keys

    if not derivations:
        return {}
    result = {}
    min_denominators = min_denominators or {}
    dates = defaultdict(list)
    for key in cells:
        dates[(key[0], key[1], key[3])].append(key[2])
    for series in dates.values():
        series.sort()
    for key in cells:
        if key[0] not in derivations:
            continue
        numerator, denominator = derivations[key[0]]
        num_key, den_key = input_keys(key, numerator, denominator, dates)
        if (num_key and num_key in hidden) or (den_key and den_key in hidden):
            result[key] = DERIVED
            continue
        den = cells.get(den_key) if den_key else None
        minimum = min_denominators.get(key[0])
        if minimum and den is not None and den[0] is not None and den[0] < minimum:
            result[key] = UNCERTAIN
    return result


def inexact_value(value, qualifier: str, min_count: int):
    """What the suppression takes for a count the source states approximately or as a bound
    ("rund 1.200", "mehr als 500", "weniger als 3"): a bound that lets the count be small
    (1 … min_count − 1) stays as a small value, so the count is hidden and protected like any
    small count; any other stated value is unknown to a reader (None): it neither pins nor
    protects a cell of a sum, as an exact value would.

    Thinking like an attacker: "mehr als 500" and "mindestens 500" only say the count is large;
    "rund 1.200" leaves the source's margin (typically tens or hundreds, wider than any protection
    interval of a small count) and so pins no small part of a sum exactly; "weniger als 3" or
    "höchstens 2" say the count may be small and are hidden; "knapp 3" is read as about 3."""
    if value is None or not qualifier:
        return value
    if qualifier in ("less_than", "at_most"):
        top = value - 1 if qualifier == "less_than" else value
        return top if 0 < top < min_count else None  # "weniger als 1.000" pins nothing small
    if 0 < value < min_count or (qualifier in ("approx", "just_under") and 0 < value <= min_count):
        return value
    return None


def beside_hidden(stated, relations: list[Relation], hidden: dict) -> dict:
    """{key: SECONDARY} for the cells stated approximately or as a bound (`stated`) that share a
    relation with a hidden cell. The suppression takes them as unknown, but a reader knows them
    in part: "mehr als 990" beside a total of 1.000 tells that the hidden rest is below 10. Hidden,
    they are unknown indeed; nothing else needs hiding for them."""
    result: dict = {}
    if not stated or not hidden:
        return result
    for relation in relations:
        keys = [key for _coefficient, key in relation.terms]
        if any(key in hidden for key in keys):
            result.update({key: SECONDARY for key in keys if key in stated and key not in hidden})
    return result


def suppress(
    cells: dict,
    relations: list[Relation],
    is_count,
    policy: Policy = Policy(),
    policies: dict | None = None,
    area_policies: dict | None = None,
    disclosed=frozenset(),
    released=frozenset(),
) -> dict:
    """{key: reason} of every cell the public must not see.

    `cells` maps a key to (value, flag, dims); `is_count(key)` tells counts
    (which are never negative) from other values; `disclosed` names the cells whose present
    value an earlier release already showed (they count as published, hidden or not); `policies` gives indicators
    (the first part of a key) a policy of their own, `area_policies` pairs of
    indicator and area (the first two parts), e.g. a stricter one for small areas; `released`
    names the cells whose publisher released them itself (election results): they are never
    hidden and count as known."""
    hidden = {
        k: r
        for k, r in primary(cells, is_count, policy, policies, area_policies).items()
        if k not in released
    }
    if not hidden:
        # Nothing to protect: secondary suppression only ever hides cells to protect a hidden
        # one (a relation that gives one away, a sensitive cell's interval), so it hides nothing.
        return {}
    # the unknown remainders of relations: no value, never hidden by `primary`
    rests = {k for r in relations for _c, k in r.terms if k not in cells}
    if rests:
        cells = {**cells, **dict.fromkeys(rests, (None, REST, {}))}
    disclosed = frozenset(disclosed) | frozenset(released)

    intervals = {
        key: policy_for(key, policy, policies, area_policies).primary_interval
        for key, reason in hidden.items()
        if reason == PRIMARY
    }
    unbounded = (0, float("inf"))

    def prior(key) -> tuple[float, float]:
        return intervals.get(key, unbounded)

    search = _Search(cells, relations, hidden, prior, disclosed)
    achievable = _achievable_widths(cells, relations, hidden, prior, search)

    def protected(key, low, high):
        key_policy = policy_for(key, policy, policies, area_policies)
        if search.hidden.get(key) == PRIMARY:
            # Not narrower than [1, min − 1] (or the policy's width), unless the relations
            # themselves narrow it whatever is hidden (persons = 9 × households): then as wide
            # as hiding can make it.
            required = min(key_policy.required_width(True), achievable.get(key, float("inf")))
            return high - low >= required - 1e-4  # the solver's tolerance
        return high - low >= key_policy.width + EPSILON  # the margin absorbs the solver's rounding

    search.hide_singletons(search.ordered)
    sensitive = sorted(k for k, reason in search.hidden.items() if reason != SECONDARY and k not in disclosed)
    _Protection(search, protected).run(sensitive)
    return {k: r for k, r in search.hidden.items() if k not in released}


class _Protection:
    """Hides cells until every sensitive cell is protected.

    Hiding a cell only ever widens the intervals of the others (a feasible point stays feasible
    when more is hidden), so a cell proved protected once stays protected. Three steps:
    1. Proofs in bulk (`prove`): per neighbourhood of unknown cells, two programs push all its
       waiting cells down and up at once; every cell whose feasible points found so far lie at
       least its width apart is protected. Proofs never hide anything.
    2. Quickly, side by side for all cells not yet proved (`local_pass`): where the relations near
       a cell (`LOCAL_DEPTH` steps) already narrow it too much, the whole program narrows it even
       more: hide one more cell (where the cell is held tight) and look again.
    3. Exactly (`exact_pass`), cell by cell in sorted order within each connected part of the
       relations (the parts side by side): bound the first waiting cell over its whole
       neighbourhood; if it is too narrow, hide one more cell, else go on to the next; proofs in
       bulk between rounds.
    A cell an earlier release showed cannot be protected any more: it is not waited for."""

    def __init__(self, search, protected):
        self.search, self.protected = search, protected
        self.seen: dict = {}  # {cell: (smallest, largest)} over the feasible points found so far

    def run(self, sensitive: list) -> None:
        local = [k for part in self.prove([sensitive], attempts=2) for k in part]
        self.local_pass(local)
        self.exact_pass(self.search.parts(self.open_cells(sensitive)))

    def note(self, spread: dict) -> None:
        for k, (low, high) in spread.items():
            old = self.seen.get(k)
            self.seen[k] = (low, high) if old is None else (min(old[0], low), max(old[1], high))

    def open_cells(self, part: list) -> list:
        return [k for k in part if not (k in self.seen and self.protected(k, *self.seen[k]))]

    def prove(self, parts: list, attempts: int = 1) -> list:
        for _attempt in range(attempts):
            groups = self.search.groups([k for part in parts for k in part])
            for _key, (_low, _high, spread) in self.search.batch_bounds(list(groups), groups).items():
                self.note(spread)
            before = sum(map(len, parts))
            parts = [part for part in map(self.open_cells, parts) if part]
            if sum(map(len, parts)) == before:
                break
        return parts

    def hide_partner(self, key, spread: dict) -> bool:
        extra = self.search.cheapest_partner(key, spread)
        if extra is None:
            return False  # everything around the cell is hidden already
        self.search.hide(extra)
        self.search.hide_singletons(self.search.by_cell[extra])
        return True

    def local_pass(self, local: list) -> None:
        """Side by side, but a cell whose neighbourhood a hiding of this round touched waits for
        the next round: that hiding may have protected it already (hiding no more than needed)."""
        while local:
            current, local = local, []
            touched: set = set()
            solved = self.search.batch_bounds(current, depth=LOCAL_DEPTH)
            for key in (k for k in current if not self.protected(k, *solved[k][:2])):
                spread = solved[key][2]
                if not touched.isdisjoint(spread):
                    local.append(key)
                    continue
                start = len(self.search.log)
                if self.hide_partner(key, spread):
                    local.append(key)
                    for new in self.search.log[start:]:
                        for relation in self.search.by_cell[new]:
                            touched.update(k for _c, k in relation.terms)

    def exact_pass(self, waiting: list) -> None:
        while waiting := self.prove(waiting):
            solved = self.search.batch_bounds([part[0] for part in waiting])
            still = []
            for part in waiting:
                low, high, spread = solved[part[0]]
                self.note(spread)
                if self.protected(part[0], low, high) or not self.hide_partner(part[0], spread):
                    part = part[1:]
                part = self.open_cells(part)
                if part:
                    still.append(part)
            waiting = still


def _achievable_widths(cells, relations, hidden, prior, search) -> dict:
    """{primary cell: width of its interval if every other cell of its relations were hidden}:
    the most protection that hiding can give it (or more, never less).

    Computed only where the relations can narrow a small count by themselves: a relation with a
    factor (persons = 9 × households) or one whose other cells are all small counts too (a
    district of 2 with two quarters of 1). Elsewhere the full interval [1, min − 1] is required;
    were it not reachable after all, the search would hide more than needed, never less."""
    primary = {k for k, reason in hidden.items() if reason == PRIMARY}

    def narrowing(relation) -> bool:
        others = [k for _c, k in relation.terms]
        return any(abs(c) != 1 for c, _k in relation.terms) or sum(k not in primary for k in others) <= 1

    narrow = [relation for relation in relations if narrowing(relation)]
    primaries = sorted({k for relation in narrow for _c, k in relation.terms if k in primary})
    if not primaries:
        return {}
    # Under the narrowing relations alone: fewer relations can only leave a wider interval, so
    # the width found is never less than what hiding can give; and the programs stay small.
    involved = {k for relation in narrow for _c, k in relation.terms}
    everything = _Search(
        cells, narrow, {**dict.fromkeys(involved, SECONDARY), **hidden}, prior, search.disclosed
    )
    widths = {}
    for start in range(0, len(primaries), 200):
        for key, (low, high, _spread) in everything.batch_bounds(primaries[start : start + 200]).items():
            widths[key] = high - low
    return widths


class _Search:
    """The state of one suppression: the hidden cells, and for every relation its unknown terms
    (hidden or without a value), kept up to date so that walking the relations stays cheap."""

    def __init__(self, cells, relations, hidden, prior=None, disclosed=frozenset()):
        self.cells, self.hidden = cells, hidden
        self.prior = prior or (lambda key: (0, float("inf")))
        self.disclosed = disclosed  # known from an earlier release: hiding them protects nothing
        self.log: list = []  # the cells hidden by `hide`, in order
        self.by_cell = defaultdict(list)
        for relation in relations:
            for _coef, key in relation.terms:
                self.by_cell[key].append(relation)
        self.ordered = sorted(relations, key=lambda r: r.terms)
        self.rank = {id(relation): i for i, relation in enumerate(self.ordered)}
        self.known = {key: known_value(cells[key]) for key in self.by_cell}
        self.unknown = {
            id(relation): [
                (coef, key)
                for coef, key in relation.terms
                if (key in hidden and key not in disclosed) or self.known[key] is None
            ]
            for relation in relations
        }
        # Per relation: the sum of coefficient × value over the published terms, a scale, and
        # whether the true values satisfy it (then they are one more feasible point).
        self.constant, self.size, self.holds = {}, {}, {}
        for relation in relations:
            values = [cells[k][0] for _coef, k in relation.terms]
            self.constant[id(relation)] = sum(coef * float(self.known[k] or 0) for coef, k in relation.terms)
            self.size[id(relation)] = sum(abs(float(v or 0)) for v in values)
            self.holds[id(relation)] = (
                None not in values and sum(c * v for (c, _k), v in zip(relation.terms, values)) == 0
            )

    def hide(self, key, reason=SECONDARY):
        self.hidden[key] = reason
        self.log.append(key)
        if key in self.disclosed:
            return
        for relation in self.by_cell[key]:
            self.unknown[id(relation)].extend((coef, k) for coef, k in relation.terms if k == key)

    def sort(self, relations):
        return sorted(relations, key=lambda r: self.rank[id(r)])

    def hide_singletons(self, relations):
        """A relation with one hidden cell and everything else published gives that cell away:
        hide the cheapest other cell of the relation; then look again at the relations of that cell."""
        pending = deque(self.sort(relations))
        while pending:
            relation = pending.popleft()
            unknown = self.unknown[id(relation)]
            if len(unknown) != 1 or unknown[0][1] not in self.hidden:
                continue
            partners = [
                (self.known[k] == 0, self.known[k], k)
                for _c, k in relation.terms
                if k != unknown[0][1] and k not in self.disclosed
            ]
            if partners:
                extra = min(partners)[2]
                self.hide(extra)
                pending.extend(self.sort(self.by_cell[extra]))

    def cheapest_partner(self, key, spread: dict | None = None):
        """The published cell with the smallest value among the relations of `key`; if they have
        none left, among the relations of every cell linked to it (ties: by key).

        With `spread` ({cell: (smallest, largest)} from the programs that bounded `key`), first
        among the relations that hold `key` tight: those whose unknown cells did not move at all.
        Hiding a cell there frees them; hiding one where something still moves may not."""

        def cheapest(relations):
            candidates = [
                (self.known[other] == 0, self.known[other], other)
                for relation in relations
                for _coef, other in relation.terms
                if other not in self.hidden and self.known[other] is not None and other not in self.disclosed
            ]
            return min(candidates)[2] if candidates else None

        if spread:
            rigid = {k for k, (low, high) in spread.items() if high - low < 0.5}
            tight = [
                relation
                for cell in rigid
                for relation in self.by_cell[cell]
                if all(k in rigid for _c, k in self.unknown[id(relation)])
            ]
            found = cheapest(tight)
            if found is not None:
                return found
        return cheapest(self.by_cell[key]) or cheapest(self.component(key)[1])

    def component(self, key, depth: int | None = None):
        """The unknown cells linked to `key` through relations, and those relations (sorted).
        With `depth`, only the relations at most that many steps away: a relaxation of the
        program, whose intervals are never narrower than the whole neighbourhood's."""
        seen, relations, visited, level = {key}, [], set(), [key]
        steps = 0
        while level and (depth is None or steps < depth):
            steps += 1
            following = []
            for current in level:
                for relation in self.by_cell[current]:
                    if id(relation) not in visited:
                        visited.add(id(relation))
                        relations.append(relation)
                        for _coef, other in self.unknown[id(relation)]:
                            if other not in seen:
                                seen.add(other)
                                following.append(other)
            level = following
        return sorted(seen), self.sort(relations)

    def parts(self, keys: list) -> list[list]:
        """`keys` (sorted) grouped by the connected parts of the relations, each group sorted."""
        part_of: dict = {}
        parts: list[list] = []
        visited: set = set()
        for key in keys:
            if key in part_of:
                parts[part_of[key]].append(key)
                continue
            number = len(parts)
            parts.append([key])
            part_of[key] = number
            stack = [key]
            while stack:
                for relation in self.by_cell[stack.pop()]:
                    if id(relation) not in visited:
                        visited.add(id(relation))
                        for _coef, other in relation.terms:
                            if other not in part_of:
                                part_of[other] = number
                                stack.append(other)
        return parts

    def groups(self, keys) -> dict:
        """`keys` grouped by their unknown neighbourhood (`component`): {first key: [keys]}."""
        placed: dict = {}
        result: dict = {}
        for key in keys:
            if key in placed:
                result[placed[key]].append(key)
                continue
            result[key] = [key]
            for other in self.component(key)[0]:
                placed[other] = key
        return result

    def batch_bounds(self, keys, targets: dict | None = None, depth: int | None = None) -> dict:
        """{key: (low, high, spread)} for cells of separate parts with one call of the solver.
        With `targets` ({key: [cells of its neighbourhood]}), a key's programs minimise and
        maximise the sum of its targets instead of the key alone: then only `spread` counts.

        Each cell gets two copies of the linear program of its unknown neighbourhood
        (`component`), one for its minimum and one for its maximum; the copies are independent
        blocks of one program whose objective is the sum of theirs, so its optimum is every
        block's optimum. Variables are capped far above every value of the block, and a maximum
        near the cap counts as unbounded. `spread` gives, for every unknown cell of the
        neighbourhood, the smallest and largest value among the two solutions: feasible values, so
        its interval is at least that wide. If the batch has no solution (inconsistent data), each
        cell is bounded on its own."""
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix

        result: dict = {}
        blocks: list[tuple] = []
        data: list[float] = []
        indices: list[int] = []
        indptr: list[int] = [0]
        rhs: list[float] = []
        objective: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        for key in keys:
            variables, relations = self.component(key, depth)
            if not relations:
                result[key] = (*map(float, self.prior(key)), {})
                continue
            position = {k: i for i, k in enumerate(variables)}
            row_data: list[float] = []
            row_indices: list[int] = []
            row_ends: list[int] = []
            row_rhs: list[float] = []
            size = 1.0
            for relation in relations:
                constant, row = self.constant[id(relation)], {}  # type: float, dict[int, float]
                for coef, other in self.unknown[id(relation)]:
                    row[position[other]] = row.get(position[other], 0) + coef
                    constant -= coef * float(self.known[other] or 0)
                row_indices.extend(row)
                row_data.extend(row.values())
                row_ends.append(len(row_data))
                row_rhs.append(-constant)
                size += self.size[id(relation)]
            cap = 1e4 * size
            true = all(self.holds[id(r)] for r in relations)
            priors = [self.prior(k) for k in variables]
            lows = [low for low, _high in priors]
            highs = [min(cap, high) for _low, high in priors]
            for sign in (1, -1):
                offset, start = len(objective), indptr[-1]
                data.extend(row_data)
                indices.extend(i + offset for i in row_indices)
                indptr.extend(start + end for end in row_ends)
                rhs.extend(row_rhs)
                goal = [0] * len(variables)
                for target in (targets or {}).get(key, (key,)):
                    goal[position[target]] = sign
                objective.extend(goal)
                lower.extend(lows)
                upper.extend(highs)
            blocks.append((key, variables, len(objective) - 2 * len(variables), cap, true))
        if not blocks:
            return result
        n = len(objective)
        solution = linprog(
            np.array(objective, dtype=float),
            A_eq=csr_matrix(
                (np.array(data, dtype=float), np.array(indices), np.array(indptr)), shape=(len(rhs), n)
            ),
            b_eq=np.array(rhs),
            bounds=np.column_stack((np.array(lower), np.array(upper))),
            method="highs-ds",
        )
        if solution.status != 0:
            for key, *_block in blocks:
                result[key] = (*bounds(key, self.cells, self.hidden, self.by_cell, self.prior), {})
            return result
        x = solution.x.tolist()
        for key, variables, start, cap, true in blocks:
            width = len(variables)
            spread = {}
            for k, a, b in zip(variables, x[start : start + width], x[start + width : start + 2 * width]):
                points = (a, b, float(self.cells[k][0])) if true else (a, b)
                spread[k] = (min(points), float("inf") if max(points) >= cap / 2 else max(points))
            index = start + variables.index(key)
            result[key] = (
                x[index],
                float("inf") if x[index + width] >= cap / 2 else x[index + width],
                spread,
            )
        return result


def known_value(cell):
    """The value a reader of the published table knows: '-' means exactly zero; None if unknown."""
    value, flag = cell[0], cell[1]
    if value is None:
        return Decimal(0) if flag == "-" else None
    return value


def component(key, hidden, by_cell, cells):
    """The hidden and value-less cells linked to `key` through relations, and those relations."""
    unknown = lambda k: k in hidden or known_value(cells[k]) is None  # noqa: E731
    seen, relations, stack = {key}, set(), [key]
    while stack:
        current = stack.pop()
        for relation in by_cell[current]:
            if relation in relations:
                continue
            relations.add(relation)
            for _coef, other in relation.terms:
                if unknown(other) and other not in seen:
                    seen.add(other)
                    stack.append(other)
    return sorted(seen), sorted(relations, key=lambda r: r.terms)


def bounds(key, cells, hidden, by_cell, prior=None) -> tuple[float, float]:
    """Smallest and largest value of `key` that the published cells allow (inf when unbounded);
    `prior(cell)` gives what is known of a cell beforehand (default [0, ∞))."""
    import numpy as np
    from scipy.optimize import linprog

    variables, relations = component(key, hidden, by_cell, cells)
    prior = prior or (lambda k: (0, float("inf")))
    if not relations:
        low, high = prior(key)
        return float(low), float(high)
    position = {k: i for i, k in enumerate(variables)}
    rows, rhs = [], []
    for relation in relations:
        row = np.zeros(len(variables))
        constant = 0.0
        for coef, other in relation.terms:
            if other in position:
                row[position[other]] += coef
            else:
                constant += coef * float(known_value(cells[other]))
        rows.append(row)
        rhs.append(-constant)
    a_eq, b_eq = np.array(rows), np.array(rhs)
    objective = np.zeros(len(variables))
    objective[position[key]] = 1
    result = []
    limits = [(low, None if high == float("inf") else high) for low, high in map(prior, variables)]
    for sign in (1, -1):
        solution = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=limits, method="highs")
        if solution.status == 3:  # unbounded
            result.append(float("inf") if sign == -1 else 0.0)
        elif solution.status != 0:
            result.append(float(cells[key][0] or 0))  # inconsistent data: treat as known
        else:
            result.append(sign * solution.fun)
    return result[0], result[1]


def public_value(value: Decimal | None, flag: str, reason: str | None, rounding: int | None = None):
    """What the public sees of a cell: hidden cells become '.', too uncertain ones '/',
    and with `rounding` a value becomes the nearest multiple of it."""
    if reason == UNCERTAIN:
        return None, "/"
    if reason:
        return None, "."
    if rounding and value is not None:
        value = (Decimal(value) / rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP) * rounding
    return value, flag


def footnote(reasons) -> str:
    """The footnote for a table in which cells are suppressed, from the reasons of its cells
    (e.g. ['primary', 'secondary', 'uncertain']): the symbols used and why; empty without reasons.

    One sentence for every kind of secret cell, whichever are present: a footnote that named only
    "below the minimum count" would tell that every hidden cell lies in [1, min − 1]."""
    reasons = set(reasons) - {SOURCE}  # the office's own mark: its key of symbols explains it
    sentences = []
    if reasons - {UNCERTAIN}:
        sentences.append(_("“.” = value unknown or to be kept secret."))
        sentences.append(
            _(
                "For statistical confidentiality (§ 16 BStatG), small counts and the values from which "
                "they could be recomputed are not published; values kept secret by the source are marked "
                "the same way."
            )
        )
    if UNCERTAIN in reasons:
        sentences.append(
            _("“/” = no value given, because the value is not reliable enough (denominator too small).")
        )
    return " ".join(sentences)


def alt_text_sentence(count: int) -> str:
    """The sentence for a chart's alt text saying how many values it leaves out; empty for none."""
    if count <= 0:
        return ""
    return ngettext(
        "One value is not shown for reasons of statistical confidentiality.",
        "%(count)s values are not shown for reasons of statistical confidentiality.",
        count,
    ) % {"count": count}


class Report:
    """The suppression report of a release, for staff: per indicator the cells and the hidden
    cells by reason, and the cost in published information (the share of cells hidden, and how
    much of the counted total the secondary cells take out of view)."""

    def __init__(self):
        self.indicators: dict = {}

    def add(self, indicator: str, reason: str | None, value) -> None:
        entry = self.indicators.setdefault(
            indicator, {"cells": 0, "hidden": {}, "value": 0, "secondary_value": 0}
        )
        entry["cells"] += 1
        if reason:
            entry["hidden"][reason] = entry["hidden"].get(reason, 0) + 1
        if value is not None:
            entry["value"] += value
            if reason == SECONDARY:
                entry["secondary_value"] += value

    def add_published(self, indicator: str, cells: int, value) -> None:
        """`add` for `cells` cells of `indicator` none of which is hidden, whose values (those
        that have one) add up to `value`."""
        entry = self.indicators.setdefault(
            indicator, {"cells": 0, "hidden": {}, "value": 0, "secondary_value": 0}
        )
        entry["cells"] += cells
        entry["value"] += value

    def as_dict(self, used: dict, policy: dict) -> dict:
        hidden: dict = {}
        for entry in self.indicators.values():
            for reason, count in entry["hidden"].items():
                hidden[reason] = hidden.get(reason, 0) + count
        cells = sum(entry["cells"] for entry in self.indicators.values())
        return {
            "policy": policy,
            "cells": cells,
            "hidden": dict(sorted(hidden.items())),
            "hidden_share": round(sum(hidden.values()) / cells, 4) if cells else 0,
            **used,
            "indicators": {
                key: {
                    "cells": entry["cells"],
                    "hidden": dict(sorted(entry["hidden"].items())),
                    "secondary_share_of_value": (
                        round(float(entry["secondary_value"] / entry["value"]), 4) if entry["value"] else 0
                    ),
                }
                for key, entry in sorted(self.indicators.items())
            },
        }
