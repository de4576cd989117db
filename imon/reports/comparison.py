"""How does the city compare? Its figure beside its Land, Germany and comparable Kreise.

Comparison regions are areas of the concept file marked `comparison: true`: the Land
(`kind: state`), Germany (`kind: country`) and peer Kreise or municipalities the city chooses
(`kind: county` or `municipality`, with their official key as `code`). Their figures are
observations of the same indicator like the city's own, and pass the same confidentiality
boundary. Every Kreis of the Land with a figure (marked or not) is drawn on the map and ranked.

`compare()` is a plain function of the public document's records; the report and the portal
make their figures and sentences from its result.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from . import maps, narrative

COUNTY_KINDS = ("county", "municipality")
MIN_RANKED = 3  # fewer regions make no ranking worth a sentence
MIN_MAPPED = 3  # nor a map


@dataclass(frozen=True)
class Region:
    key: str
    name: str
    value: Decimal | None
    flag: str = ""
    kreis: str | None = None  # 5-digit Kreis key, if the area is a Kreis or kreisfreie Stadt


@dataclass
class Comparison:
    date: str  # ISO reference date of all values compared
    city: Region
    land: Region | None = None
    country: Region | None = None
    peers: list[Region] = field(default_factory=list)  # the regions the city chose, in area order
    kreise: list[Region] = field(default_factory=list)  # every Kreis of the Land with a row (for the map)
    land_key: str = ""  # 2-digit key of the Land, for the map
    land_name: str = ""
    rank: int | None = None
    ranked: int = 0
    group: str = ""  # "kreisfreien Städten" or "Kreisen und kreisfreien Städten"

    @property
    def chart_regions(self) -> list[Region]:
        """The bars: Germany, the Land, the city, then its peers."""
        return [r for r in (self.country, self.land) if r is not None] + [self.city] + self.peers


def _value(row) -> Decimal | None:
    return Decimal(str(row["value"])) if row and row.get("value") is not None else None


def _land_of(city: dict, areas: dict) -> dict | None:
    """The Land above the city in the area tree, else the state whose key starts the city's code."""
    parent = areas.get(city.get("parent"))
    while parent is not None:
        if parent.get("kind") == "state":
            return parent
        parent = areas.get(parent.get("parent"))
    code = city.get("code") or ""
    return next(
        (
            a
            for a in areas.values()
            if a.get("kind") == "state" and a.get("code") and code.startswith(a["code"])
        ),
        None,
    )


def _regions(areas: dict[str, dict], land_area: dict | None) -> set[str]:
    """The areas a comparison can show: the Land, Germany and the Kreise (peers and the map)."""
    return {
        key
        for key, area in areas.items()
        if area.get("kind") in COUNTY_KINDS
        or (area.get("comparison") and area.get("kind") == "country")
        or (land_area is not None and key == land_area["key"])
    }


def _compared(areas: dict[str, dict], land_area: dict | None, city_key: str) -> bool:
    """Whether the city has a region to be compared with: its Land, Germany or a peer (a
    comparison without one of them shows nothing; the other Kreise only rank and map it)."""
    return any(
        key != city_key
        and (
            (land_area is not None and key == land_area["key"])
            or (area.get("comparison") and area.get("kind") in ("country", *COUNTY_KINDS))
        )
        for key, area in areas.items()
    )


def _totals_by_date(rows, regions: set[str], totals: frozenset, by_area=None) -> dict[str, dict[str, dict]]:
    """{date: {area: row}} of the rows of these areas at the total (`totals`: the (dimension,
    value) pairs of the totals; a row of the total has only these). `by_area`: the same rows
    grouped by area, where the caller has them (only those of the regions are then read)."""
    if by_area is not None:
        rows = [row for area in regions for row in by_area.get(area, ())]
    by_date: dict[str, dict[str, dict]] = {}
    for row in rows:
        if row["area"] in regions and (not row.get("dims") or totals.issuperset(row["dims"].items())):
            by_date.setdefault(str(row["date"]), {})[row["area"]] = row
    return by_date


def compare(
    indicator: dict,
    rows: list[dict],
    areas: dict[str, dict],
    city_key: str | None,
    totals=frozenset(),
    by_area: dict[str, list] | None = None,
) -> Comparison | None:
    """The comparison of an indicator at the latest date where the city and at least one other
    region have a published figure (rows of the indicator's total only), or None. `by_area`:
    `rows` grouped by area, where the caller has them."""
    city_area = areas.get(city_key or "")
    if city_area is None:
        return None
    land_area = _land_of(city_area, areas)
    land_code = (land_area or {}).get("code") or (city_area.get("code") or "")[:2]
    if not _compared(areas, land_area, city_area["key"]):
        return None  # nothing to compare with (districts are not compared with their city)
    regions = _regions(areas, land_area)
    regions.add(city_area["key"])
    by_date = _totals_by_date(rows, regions, frozenset(totals), by_area)

    def region(area: dict, row: dict | None) -> Region:
        kreis = maps.kreis_key(area.get("code") or "") if area.get("kind") in COUNTY_KINDS else None
        return Region(area["key"], area["name"], _value(row), (row or {}).get("flag") or "", kreis)

    for date in sorted(by_date, reverse=True):
        present = by_date[date]
        city_row = present.get(city_area["key"])
        if _value(city_row) is None or len(present) < 2:
            continue
        result = Comparison(
            date, region(city_area, city_row), land_key=land_code, land_name=(land_area or {}).get("name", "")
        )
        for key, area in areas.items():
            other = present.get(key)
            if key == city_key or other is None:
                continue
            if area.get("comparison") and area.get("kind") == "country":
                result.country = region(area, other)
            elif land_area is not None and key == land_area["key"]:
                result.land = region(area, other)
            elif area.get("comparison") and area.get("kind") in COUNTY_KINDS:
                result.peers.append(region(area, other))
        # Every Kreis of the Land with a figure (the city's own included): the map and the ranking.
        seen = set()
        for key, area in areas.items():
            kreis_row = present.get(key)
            if kreis_row is None or area.get("kind") not in COUNTY_KINDS:
                continue
            kreis = maps.kreis_key(area.get("code") or "")
            if kreis and kreis.startswith(land_code) and kreis not in seen:
                seen.add(kreis)
                result.kreise.append(region(area, kreis_row))
        _rank(result)
        if result.land or result.country or result.peers:
            return result
    return None


def _rank(result: Comparison):
    """The city's rank (highest value first) among the kreisfreie Städte of its Land with a
    figure, if it is one and there are enough of them, else among all its Kreise."""
    known = maps.kreise()
    values = [r for r in result.kreise if r.value is not None and r.kreis]
    city = result.city
    if city.kreis is None or city.kreis not in {r.kreis for r in values}:
        return
    county_free = [r for r in values if known[str(r.kreis)].county_free]
    land = maps.kreise_of(result.land_key)
    pools = []  # (pool, group, complete): the complete one first, the kreisfreie Städte first
    if known[city.kreis].county_free:
        pools.append(
            (county_free, "kreisfreien Städten", len(county_free) == sum(k.county_free for k in land))
        )
    pools.append((values, "Kreisen und kreisfreien Städten", len(values) == len(land)))
    pools = [p for p in pools if len(p[0]) >= MIN_RANKED]
    if not pools:
        return
    pool, group, complete = next((p for p in pools if p[2]), max(pools, key=lambda p: len(p[0])))
    if result.land_name:
        group += f" in {result.land_name}"
    if not complete:
        group += ", für die Werte vorliegen"
    city_value = next(r.value for r in pool if r.kreis == city.kreis)
    assert city_value is not None
    result.rank = 1 + sum(1 for r in pool if r.value is not None and r.value > city_value)
    result.ranked = len(pool)
    result.group = group


def sentences(result: Comparison, unit: str, decimals: int | None, kind: str) -> str:
    """The position in words: against the Land and Germany (not for counts: a city's count is
    always below its Land's), and the rank among the Kreise of the Land."""
    texts = []
    if kind != "count":
        references = [
            (noun, region.value)
            for noun, region in (("Landeswert", result.land), ("Bundeswert", result.country))
            if region is not None and region.value is not None
        ]
        assert result.city.value is not None
        texts.append(
            narrative.comparison_sentence(result.city.name, result.city.value, references, unit, decimals)
        )
    if result.rank is not None:
        texts.append(narrative.rank_sentence(result.city.name, result.rank, result.ranked, result.group))
    return " ".join(t for t in texts if t)


def german_date(result: Comparison) -> str:
    return datetime.date.fromisoformat(result.date).strftime("%d.%m.%Y")
