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
Independent parts of the relations (e.g. areas without area sums) are worked
on side by side, with one call of the solver per round for all of them; the
result is the same as one cell at a time (see `suppress`).

Values the source already marks as secret (`.`) are sensitive as well: they
are unknown to everybody and must stay so.
"""

from collections import defaultdict, deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    from imon.core.rules import _Index

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
                    relations.append(
                        Relation(((1, members[rule.total]), *((-1, members[c]) for c in children)))
                    )
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
    for key, (value, flag, _dims) in cells.items():
        if value is None:
            if flag == ".":
                hidden[key] = SOURCE
        elif is_count(key) and 0 < value < policy_for(key, policy, policies, area_policies).min_count:
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


def suppress(
    cells: dict,
    relations: list[Relation],
    is_count,
    policy: Policy = Policy(),
    policies: dict | None = None,
    area_policies: dict | None = None,
) -> dict:
    """{key: reason} of every cell the public must not see.

    `cells` maps a key to (value, flag, dims); `is_count(key)` tells counts
    (which are never negative) from other values; `policies` gives indicators
    (the first part of a key) a policy of their own, `area_policies` pairs of
    indicator and area (the first two parts), e.g. a stricter one for small areas."""
    search = _Search(cells, relations, primary(cells, is_count, policy, policies, area_policies))

    def protected(key, low, high):
        width = policy_for(key, policy, policies, area_policies).width
        return high - low >= width + EPSILON  # the margin absorbs the solver's rounding

    search.hide_singletons(search.ordered)
    # Hiding a cell only ever widens the intervals of the others, so one pass in a fixed order
    # suffices: a cell protected once stays protected. Cells of different connected parts of the
    # relations do not influence each other, so the parts advance side by side: per round, one
    # batch of linear programs bounds the first waiting cell of every part; if it is protected,
    # the solutions found on the way also prove the next cells protected that they leave at least
    # as wide (they are feasible points of the same program); if not, one more cell is hidden.
    # The result is the same as visiting the cells one at a time in sorted order.
    waiting = search.parts(sorted(k for k, reason in search.hidden.items() if reason != SECONDARY))
    while waiting:
        solved = search.batch_bounds([part[0] for part in waiting])
        still = []
        for part in waiting:
            low, high, spread = solved[part[0]]
            if protected(part[0], low, high):
                part = part[1:]
            else:
                extra = search.cheapest_partner(part[0])
                if extra is None:
                    part = part[1:]  # everything around the cell is hidden already
                else:
                    search.hide(extra)
                    search.hide_singletons(search.by_cell[extra])
            part = [k for k in part if not (k in spread and protected(k, *spread[k]))]
            if part:
                still.append(part)
        waiting = still
    return search.hidden


class _Search:
    """The state of one suppression: the hidden cells, and for every relation its unknown terms
    (hidden or without a value), kept up to date so that walking the relations stays cheap."""

    def __init__(self, cells, relations, hidden):
        self.cells, self.hidden = cells, hidden
        self.by_cell = defaultdict(list)
        for relation in relations:
            for _coef, key in relation.terms:
                self.by_cell[key].append(relation)
        self.ordered = sorted(relations, key=lambda r: r.terms)
        self.rank = {id(relation): i for i, relation in enumerate(self.ordered)}
        self.known = {key: known_value(cells[key]) for key in self.by_cell}
        self.unknown = {
            id(relation): [
                (coef, key) for coef, key in relation.terms if key in hidden or self.known[key] is None
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
                (self.known[k] == 0, self.known[k], k) for _c, k in relation.terms if k != unknown[0][1]
            ]
            if partners:
                extra = min(partners)[2]
                self.hide(extra)
                pending.extend(self.sort(self.by_cell[extra]))

    def cheapest_partner(self, key):
        """The published cell with the smallest value among the relations of `key`; if they have
        none left, among the relations of every cell linked to it (ties: by key)."""

        def cheapest(relations):
            candidates = [
                (self.known[other] == 0, self.known[other], other)
                for relation in relations
                for _coef, other in relation.terms
                if other not in self.hidden and self.known[other] is not None
            ]
            return min(candidates)[2] if candidates else None

        return cheapest(self.by_cell[key]) or cheapest(self.component(key)[1])

    def component(self, key):
        """The unknown cells linked to `key` through relations, and those relations (sorted)."""
        seen, relations, visited, stack = {key}, [], set(), [key]
        while stack:
            for relation in self.by_cell[stack.pop()]:
                if id(relation) not in visited:
                    visited.add(id(relation))
                    relations.append(relation)
                    for _coef, other in self.unknown[id(relation)]:
                        if other not in seen:
                            seen.add(other)
                            stack.append(other)
        return sorted(seen), self.sort(relations)

    def parts(self, keys: list) -> list[list]:
        """`keys` (sorted) grouped by the connected parts of the relations, each group sorted."""
        part_of, parts, visited = {}, [], set()
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

    def batch_bounds(self, keys) -> dict:
        """{key: (low, high, spread)} for cells of separate parts with one call of the solver.

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

        result, blocks = {}, []
        data, indices, indptr, rhs, objective, upper = [], [], [0], [], [], []
        for key in keys:
            variables, relations = self.component(key)
            if not relations:
                result[key] = (0.0, float("inf"), {})
                continue
            position = {k: i for i, k in enumerate(variables)}
            row_data, row_indices, row_ends, row_rhs, size = [], [], [], [], 1.0
            for relation in relations:
                constant, row = self.constant[id(relation)], {}
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
            for sign in (1, -1):
                offset, start = len(objective), indptr[-1]
                data.extend(row_data)
                indices.extend(i + offset for i in row_indices)
                indptr.extend(start + end for end in row_ends)
                rhs.extend(row_rhs)
                goal = [0] * len(variables)
                goal[position[key]] = sign
                objective.extend(goal)
                upper.extend([cap] * len(variables))
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
            bounds=np.column_stack((np.zeros(n), np.array(upper))),
            method="highs-ds",
        )
        if solution.status != 0:
            for key, *_block in blocks:
                result[key] = (*bounds(key, self.cells, self.hidden, self.by_cell), {})
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


def _reason_phrases():
    return {
        PRIMARY: _("small counts below the minimum count"),
        SECONDARY: _("further values from which they could be recomputed (secondary suppression)"),
        SOURCE: _("values kept secret by the source"),
        DERIVED: _("shares and rates of suppressed counts"),
    }


def footnote(reasons) -> str:
    """The footnote for a table in which cells are suppressed, from the reasons of its cells
    (e.g. ['primary', 'secondary', 'secondary']): the symbols used and why. Empty without reasons."""
    reasons = set(reasons)
    phrases = _reason_phrases()
    sentences = []
    secret = [phrases[r] for r in (PRIMARY, SECONDARY, SOURCE, DERIVED) if r in reasons]
    if secret:
        sentences.append(_("“.” = value unknown or to be kept secret."))
        sentences.append(
            _("Suppressed for statistical confidentiality (§ 16 BStatG): %(reasons)s.")
            % {"reasons": ", ".join(secret)}
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
