"""An attacker of published statistics, independent of the production code (tests only).

It takes everything a release publishes (every observation of the public document: the portal,
the API, the downloads and the reports show exactly these cells) and the structure that anybody
can see (which breakdown value is a total, which area lies in which, the rules of the concept,
which indicator is a share of which), and computes by linear programming, for every hidden small
count, the smallest and largest value consistent with all of it.

It is the strongest attacker that stays sound: it uses every relation that really holds between
the true values (a total equals the sum of its parts where it does; where the parts add up to
less, the total is at least their sum), it knows that every count is >= 0 and that a cell hidden
for being small lies in [1, min − 1], and it reads every published share as a band around
numerator / denominator. Earlier releases add their published cells as further knowledge.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import numpy as np
from scipy.optimize import linprog


class Structure:
    """What anybody can know about how the cells hang together."""

    def __init__(
        self,
        totals=None,
        children=None,
        rules=(),
        derivations=None,
        counts=None,
        min_count=None,
        rounding=None,
    ):
        self.totals = totals or {}  # {dimension: total value}
        self.children = children or {}  # {area: [sub-areas]}
        self.rules = list(rules)  # dicts: kind, indicator, dimension, total, parts, other_indicator
        self.derivations = derivations or {}  # {share indicator: (numerator, denominator, factor)}
        self.counts = counts or set()  # indicators that count
        self.min_count = min_count or (lambda key: 3)  # the threshold of a cell
        self.rounding = rounding or {}  # {indicator: published counts are multiples of this}

    @classmethod
    def from_database(cls):
        from imon.core import models as m
        from imon.publication.cells import publication_policies
        from imon.publication.suppression import policy_for

        indicators = list(m.Indicator.objects.select_related("source", "numerator", "denominator"))
        default, policies, area_policies = publication_policies(indicators)
        rules = [
            {
                "kind": r.kind,
                "indicator": r.indicator.key,
                "dimension": r.dimension,
                "total": r.total,
                "parts": list(r.parts or []),
                "other_indicator": r.other_indicator.key if r.other_indicator_id else None,
            }
            for r in m.ValidationRule.objects.select_related("indicator", "other_indicator")
        ]
        return cls(
            totals=dict(m.DimensionValue.objects.filter(is_total=True).values_list("dimension__key", "key")),
            children=m.area_children(),
            rules=rules,
            derivations={
                i.key: (i.numerator.key, i.denominator.key, 1000 if i.kind == "rate" else 100)
                for i in indicators
                if i.numerator_id and i.denominator_id
            },
            counts={i.key for i in indicators if i.kind == "count"},
            min_count=lambda key: policy_for(key, default, policies, area_policies).min_count,
            rounding={
                i.key: i.publication_setting("rounding")
                for i in indicators
                if i.kind == "count" and i.publication_setting("rounding")
            },
        )


def dim_key(dims: dict) -> str:
    return "|".join(f"{k}={v}" for k, v in sorted(dims.items()))


def as_key(o: dict) -> tuple:
    date = o["date"] if isinstance(o["date"], datetime.date) else datetime.date.fromisoformat(o["date"])
    return (o["indicator"], o["area"], date, dim_key(o["dims"]))


def number(value):
    return None if value is None else Decimal(str(value))


class Attack:
    """The attacker's linear system over one release (and what earlier releases published)."""

    def __init__(self, truth: dict, published: dict, structure: Structure, earlier=()):
        """`truth`: {key: true value or None}; `published`: {key: (value or None, flag)} of the
        release; `earlier`: such dicts of earlier releases."""
        self.truth, self.structure = truth, structure
        self.known = {k: number(v) for k, (v, _flag) in published.items() if v is not None}
        self.rounded = {}  # a rounded count is known only within half its rounding either way
        for k in list(self.known):
            step = structure.rounding.get(k[0])
            if step:
                value = self.known.pop(k)
                self.rounded[k] = (max(0, float(value) - step / 2), float(value) + step / 2)
        self.known.update({k: Decimal(0) for k, (v, flag) in published.items() if v is None and flag == "-"})
        for release in earlier:  # what was shown before is known, where it still holds
            for k, (v, _flag) in release.items():
                holds = (
                    v is not None and truth.get(k) is not None and Decimal(str(v)) == Decimal(str(truth[k]))
                )
                if holds and k not in self.known:
                    self.known[k] = number(v)
        self.equalities, self.bands = [], []  # [(coef, key)], ([(coef, key)], low, high)
        self._sums()
        self._rules()
        self._shares(published)

    # --- relations ---------------------------------------------------------------------------
    def _relation(self, total, parts, rest_name, declared=False):
        if not parts:
            return
        values = [self.truth.get(k) for k in (total, *parts)]
        terms = [(1, total), *((-1, p) for p in parts)]
        if declared or None in values:
            self.equalities.append(terms)
            return
        difference = Decimal(str(values[0])) - sum(Decimal(str(v)) for v in values[1:])
        if difference == 0:
            self.equalities.append(terms)
        elif difference > 0:
            self.equalities.append([*terms, (-1, ("rest", rest_name, total))])

    def _sums(self):
        s = self.structure
        groups = defaultdict(dict)
        areas = defaultdict(dict)
        for key in self.truth:
            indicator, area, date, dims = key
            if indicator not in s.counts:
                continue
            parsed = dict(part.split("=", 1) for part in dims.split("|") if part)
            for dimension, value in parsed.items():
                rest = tuple(sorted((d, v) for d, v in parsed.items() if d != dimension))
                groups[(indicator, area, date, dimension, rest)][value] = key
            areas[(indicator, date, dims)][area] = key
        for (_i, _a, _d, dimension, _rest), members in groups.items():
            total = s.totals.get(dimension)
            if total in members:
                self._relation(members[total], [k for v, k in members.items() if v != total], dimension)
        for members in areas.values():
            for parent, children in s.children.items():
                if parent in members:
                    present = [members[c] for c in children if c in members]
                    if len(present) < len(children):
                        self.equalities.append(
                            [
                                (1, members[parent]),
                                *((-1, k) for k in present),
                                (-1, ("rest", "areas", members[parent])),
                            ]
                        )
                    else:
                        self._relation(members[parent], present, "areas")

    def _rules(self):
        by_indicator = defaultdict(list)
        for key in self.truth:
            by_indicator[key[0]].append(key)
        for rule in self.structure.rules:
            keys = by_indicator[rule["indicator"]]
            if rule["kind"] == "part_sum":
                groups = defaultdict(dict)
                for key in keys:
                    parsed = dict(part.split("=", 1) for part in key[3].split("|") if part)
                    if rule["dimension"] in parsed:
                        rest = tuple(sorted((d, v) for d, v in parsed.items() if d != rule["dimension"]))
                        groups[(key[1], key[2], rest)][parsed[rule["dimension"]]] = key
                for members in groups.values():
                    if rule["total"] not in members:
                        continue
                    parts = rule["parts"] or [v for v in members if v != rule["total"]]
                    present = [members[p] for p in parts if p in members]
                    terms = [(1, members[rule["total"]]), *((-1, k) for k in present)]
                    if len(present) < len(parts):
                        terms.append((-1, ("rest", rule["dimension"], members[rule["total"]])))
                    self.equalities.append(terms)
            elif rule["kind"] == "same":
                for key in keys:
                    other = (rule["other_indicator"], *key[1:])
                    if other in self.truth:
                        self.equalities.append([(1, key), (-1, other)])
            elif rule["kind"] == "product":
                for key in keys:
                    parsed = dict(part.split("=", 1) for part in key[3].split("|") if part)
                    factor = parsed.get(rule["dimension"], "")
                    other = (rule["other_indicator"], *key[1:])
                    if factor.isdigit() and other in self.truth:
                        self.equalities.append([(1, key), (-int(factor), other)])

    def _shares(self, published):
        """A published share s of numerator n over denominator d at the dates used: n − s/f·d lies
        within the rounding of s. Every pair of same-area, same-breakdown cells at dates that
        could have been used is tried (the attacker does not know which were)."""
        by_series = defaultdict(list)
        for key in self.truth:
            by_series[(key[0], key[1], key[3])].append(key)
        for key, (value, _flag) in published.items():
            if key[0] not in self.structure.derivations or value is None:
                continue
            numerator, denominator, factor = self.structure.derivations[key[0]]
            share = Decimal(str(value))
            exponent = share.normalize().as_tuple().exponent
            half = Decimal(1).scaleb(min(exponent, 0)) / 2
            den = (denominator, key[1], key[2], key[3])
            if den not in self.truth:
                den = (denominator, key[1], key[2], "")
            for num in by_series.get((numerator, key[1], key[3]), []):
                if num[2] >= key[2] and den in self.truth:
                    low, high = (share - half) / factor, (share + half) / factor
                    if self._consistent(num, den, low, high):
                        self.bands.append(([(1, num), (-1, den)], low, high))

    def _consistent(self, num, den, low, high):
        n, d = self.truth.get(num), self.truth.get(den)
        if n is None or d is None or d == 0:
            return False
        ratio = Decimal(str(n)) / Decimal(str(d))
        return low <= ratio <= high

    # --- solving -------------------------------------------------------------------------------
    def _rows(self):
        """(terms, kind, bound): equalities, and each share band as two inequalities."""
        rows = [(terms, "eq", Decimal(0)) for terms in self.equalities]
        for terms, low, high in self.bands:
            n, d = terms[0][1], terms[1][1]
            rows.append(([(1, n), (-low, d)], "ge", Decimal(0)))
            rows.append(([(1, n), (-high, d)], "le", Decimal(0)))
        return rows

    @staticmethod
    def _component(target, linked) -> list:
        component, stack = {target}, [target]
        while stack:
            for other in linked[stack.pop()]:
                if other not in component:
                    component.add(other)
                    stack.append(other)
        return sorted(component, key=repr)

    @staticmethod
    def _system(rows, variables, known):
        position = {k: i for i, k in enumerate(variables)}
        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        for terms, kind, bound in rows:
            if not any(k in position for _c, k in terms):
                continue
            row, constant = np.zeros(len(variables)), 0.0
            for coef, k in terms:
                if k in position:
                    row[position[k]] += float(coef)
                else:
                    constant += float(coef) * float(known[k])
            if kind == "eq":
                a_eq.append(row)
                b_eq.append(float(bound) - constant)
            elif kind == "le":
                a_ub.append(row)
                b_ub.append(float(bound) - constant)
            else:
                a_ub.append(-row)
                b_ub.append(constant - float(bound))
        return {
            "A_eq": np.array(a_eq) if a_eq else None,
            "b_eq": np.array(b_eq) if b_eq else None,
            "A_ub": np.array(a_ub) if a_ub else None,
            "b_ub": np.array(b_ub) if b_ub else None,
        }

    def intervals(self, targets, priors: dict, hide_everything=False) -> dict:
        """{target: (low, high)} for hidden cells; `priors` {key: (low, high)} of hidden cells."""
        known = {} if hide_everything else self.known
        rows = self._rows()
        linked = defaultdict(set)
        for terms, _kind, _bound in rows:
            unknown = [k for _c, k in terms if k not in known]
            for k in unknown:
                linked[k].update(unknown)
        result = {}
        for target in targets:
            variables = self._component(target, linked)
            system = self._system(rows, variables, known)
            limits = [priors.get(k) or self.rounded.get(k) or (0, None) for k in variables]
            bounds = []
            for sign in (1, -1):
                objective = np.zeros(len(variables))
                objective[variables.index(target)] = sign
                solution = linprog(objective, bounds=limits, method="highs", **system)
                if solution.status == 3:
                    bounds.append(float("inf"))
                else:
                    assert solution.status == 0, (target, solution.message)
                    bounds.append(sign * solution.fun)
            result[target] = (bounds[0], bounds[1])
        return result


def exposed(truth: dict, published: dict, structure: Structure, earlier=()) -> list[str]:
    """The hidden small counts whose feasible interval is narrower than their own protection:
    [1, min − 1] as far as hiding everything could keep it. Empty when the release holds."""
    attack = Attack(truth, published, structure, earlier)
    primaries = {}
    for key, value in truth.items():
        if key[0] in structure.counts and value is not None:
            minimum = structure.min_count(key)
            if 0 < Decimal(str(value)) < minimum:
                primaries[key] = (1, minimum - 1)
    hidden = [k for k in primaries if k not in attack.known]
    shown = [k for k in primaries if k in attack.known]
    found = [f"{k}: published as {attack.known[k]}" for k in shown]
    if not hidden:
        return found
    now = attack.intervals(hidden, primaries)
    best = attack.intervals(hidden, primaries, hide_everything=True)
    for key in hidden:
        low, high = now[key]
        required = min(primaries[key][1] - primaries[key][0], best[key][1] - best[key][0])
        if high - low < required - 1e-4:
            found.append(f"{key}: true {truth[key]}, the attacker knows [{low:.3f}, {high:.3f}]")
    return found
