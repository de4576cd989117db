"""Statistical confidentiality: which cells the public must not see, as plain functions.

Primary suppression hides counts below the threshold (by default 1 and 2;
0 may be shown). Secondary suppression hides further cells until no hidden
cell can be recomputed from what is published: the relations between cells
(totals = sum of parts, persons = household size × households, areas = sum of
sub-areas) are linear equations, and for every sensitive cell the smallest
and largest value consistent with the published cells (all counts >= 0) are
computed by linear programming. While that interval is narrower than the
protection width, the smallest published cell of an equation of the sensitive
cell is hidden as well, so that as little as possible is hidden. Cells are
visited in sorted order, which keeps the choice stable between runs.

Values the source already marks as secret (`.`) are sensitive as well: they
are unknown to everybody and must stay so.
"""

from collections import defaultdict, deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PRIMARY, SECONDARY, SOURCE, DERIVED, UNCERTAIN = "primary", "secondary", "source", "derived", "uncertain"
EPSILON = 1e-6


@dataclass(frozen=True)
class Policy:
    min_count: int = 3  # counts 1 .. min_count-1 are hidden
    protection: int | None = None  # required width of a hidden cell's interval; default min_count

    @property
    def width(self) -> int:
        return self.protection if self.protection is not None else self.min_count


@dataclass(frozen=True)
class Relation:
    """sum(coefficient × cell) = 0, e.g. total − a − b − c = 0 or persons_k − k × households_k = 0."""

    terms: tuple  # ((coefficient, key), ...)


def relations_from_rules(rule_list, cells: dict, area_children: dict | None = None) -> list[Relation]:
    """The linear relations that the validation rules state about `cells` ({key: (value, flag, dims)})."""
    from .rules import _Index

    index = _Index({k: _DimsOnly(v[2]) for k, v in cells.items()})
    relations = []
    for rule in rule_list:
        if rule.kind == "part_sum":
            for members in index.groups(rule.indicator, rule.dimension).values():
                if rule.total not in members:
                    continue
                parts = list(rule.parts) or [v for v in members if v != rule.total]
                if all(p in members for p in parts):
                    relations.append(Relation(((1, members[rule.total]), *((-1, members[p]) for p in parts))))
        elif rule.kind == "product":
            for key in index.by_indicator[rule.indicator]:
                factor = cells[key][2].get(rule.dimension, "")
                other = (rule.other_indicator, key[1], key[2], key[3])
                if factor.isdigit() and other in cells:
                    relations.append(Relation(((1, key), (-int(factor), other))))
        elif rule.kind == "area_sum":
            children = (area_children or {}).get(rule.total, [])
            by_rest = defaultdict(dict)
            for key in index.by_indicator[rule.indicator]:
                by_rest[(key[2], key[3])][key[1]] = key
            for members in by_rest.values():
                if rule.total in members and children and all(c in members for c in children):
                    relations.append(Relation(((1, members[rule.total]), *((-1, members[c]) for c in children))))
    return relations


class _DimsOnly:
    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = dims


def primary(cells: dict, is_count, policy: Policy, policies: dict | None = None) -> dict:
    """{key: reason} for counts below the threshold and values the source keeps secret.
    `policies` maps an indicator (the first part of a key) to its own policy."""
    policies = policies or {}
    hidden = {}
    for key, (value, flag, _dims) in cells.items():
        if value is None:
            if flag == ".":
                hidden[key] = SOURCE
        elif is_count(key) and 0 < value < policies.get(key[0], policy).min_count:
            hidden[key] = PRIMARY
    return hidden


def derived(cells: dict, hidden: dict, derivations: dict, min_denominators: dict | None = None) -> dict:
    """Shares and rates follow their inputs: {key: reason} for derived cells whose numerator is
    hidden (they would reveal it) or whose denominator is below the indicator's minimum ('/').

    `derivations` maps a derived indicator to (numerator, denominator)."""
    result = {}
    min_denominators = min_denominators or {}
    for key in cells:
        if key[0] not in derivations:
            continue
        numerator, denominator = derivations[key[0]]
        if (numerator, *key[1:]) in hidden:
            result[key] = DERIVED
            continue
        den = cells.get((denominator, *key[1:])) or cells.get((denominator, key[1], key[2], ""))
        minimum = min_denominators.get(key[0])
        if minimum and den is not None and den[0] is not None and den[0] < minimum:
            result[key] = UNCERTAIN
    return result


def suppress(cells: dict, relations: list[Relation], is_count, policy: Policy = Policy(), policies: dict | None = None) -> dict:
    """{key: reason} of every cell the public must not see.

    `cells` maps a key to (value, flag, dims); `is_count(key)` tells counts
    (which are never negative) from other values; `policies` gives indicators
    (the first part of a key) a policy of their own."""
    policies = policies or {}
    hidden = primary(cells, is_count, policy, policies)
    by_cell = defaultdict(list)
    for relation in relations:
        for _coef, key in relation.terms:
            by_cell[key].append(relation)
    ordered = sorted(relations, key=lambda r: r.terms)
    _hide_singletons(ordered, cells, hidden, by_cell)
    # Hiding a cell only ever widens the intervals of the others, so one pass in a fixed order
    # suffices: a cell protected once stays protected.
    for key in sorted(k for k, reason in hidden.items() if reason != SECONDARY):
        while True:
            low, high = bounds(key, cells, hidden, by_cell)
            if high - low >= policies.get(key[0], policy).width + EPSILON:  # the margin absorbs the solver's rounding
                break
            extra = _cheapest_partner(key, cells, hidden, by_cell)
            if extra is None:
                break  # everything around the cell is hidden already
            hidden[extra] = SECONDARY
            _hide_singletons(sorted(by_cell[extra], key=lambda r: r.terms), cells, hidden, by_cell)
    return hidden


def _hide_singletons(relations, cells, hidden, by_cell):
    """A relation with one hidden cell and everything else published gives that cell away:
    hide the cheapest other cell of the relation; then look again at the relations of that cell."""
    pending = deque(relations)
    while pending:
        relation = pending.popleft()
        unknown = [k for _c, k in relation.terms if k in hidden or known_value(cells[k]) is None]
        if len(unknown) != 1 or unknown[0] not in hidden:
            continue
        partners = [
            (known_value(cells[k]) == 0, known_value(cells[k]), k)
            for _c, k in relation.terms
            if k not in hidden and known_value(cells[k]) is not None
        ]
        if partners:
            extra = min(partners)[2]
            hidden[extra] = SECONDARY
            pending.extend(sorted(by_cell[extra], key=lambda r: r.terms))


def _cheapest_partner(key, cells, hidden, by_cell):
    """The published cell with the smallest value among the relations of `key`; if they have
    none left, among the relations of every cell linked to it (ties: by key)."""

    def cheapest(relations):
        candidates = [
            (known_value(cells[other]) == 0, known_value(cells[other]), other)
            for relation in relations
            for _coef, other in relation.terms
            if other not in hidden and known_value(cells[other]) is not None
        ]
        return min(candidates)[2] if candidates else None

    return cheapest(by_cell[key]) or cheapest(component(key, hidden, by_cell, cells)[1])


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


def bounds(key, cells, hidden, by_cell) -> tuple[float, float]:
    """Smallest and largest value of `key` that the published cells allow (inf when unbounded)."""
    import numpy as np
    from scipy.optimize import linprog

    variables, relations = component(key, hidden, by_cell, cells)
    if not relations:
        return 0.0, float("inf")
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
    for sign in (1, -1):
        solution = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
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
