"""The Kreis boundaries packaged with imon, for maps of a Land.

`geodata/kreise.json` holds the 400 Kreise and kreisfreie Städte of Germany from the BKG's
*Verwaltungsgebiete 1:2 500 000* (VG2500), simplified to about 250 m and stored in hectometres of
ETRS89 / UTM zone 32N (a plane, drawn as it is). `bin/make-geodata` builds it from the
shapefiles. Licence: Datenlizenz Deutschland – Namensnennung – Version 2.0; every map carries
`ATTRIBUTION`.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).parent / "geodata" / "kreise.json"


@dataclass(frozen=True)
class Kreis:
    ags: str  # 5-digit Kreis key, e.g. "05316"
    name: str  # "Leverkusen"
    kind: str  # "Kreisfreie Stadt", "Kreis", "Landkreis", ...
    land: str  # "05"
    rings: tuple  # ((x, y), ...) per ring, in metres of UTM 32N

    @property
    def county_free(self) -> bool:
        return self.kind in ("Kreisfreie Stadt", "Stadtkreis") or self.kind.startswith("Stadt")


@functools.cache
def _document() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def attribution() -> str:
    """The attribution a map must carry, with the year the boundaries are valid from."""
    doc = _document()
    return f"{doc['attribution']} {doc['valid_from'][:4]}"


def _decode(flat: list[int], unit: int) -> tuple:
    points, x, y = [], 0, 0
    for i in range(0, len(flat), 2):
        x, y = x + flat[i], y + flat[i + 1]
        points.append((x * unit, y * unit))
    return tuple(points)


@functools.cache
def kreise() -> dict[str, Kreis]:
    """{Kreis key: Kreis} of all of Germany."""
    doc = _document()
    unit = doc["unit_m"]
    return {
        k["ags"]: Kreis(k["ags"], k["name"], k["bez"], k["land"], tuple(_decode(r, unit) for r in k["rings"]))
        for k in doc["kreise"]
    }


def kreise_of(land: str) -> list[Kreis]:
    """The Kreise of a Land (its 2-digit key), in key order."""
    return [k for k in kreise().values() if k.land == land]


def kreis_key(code: str) -> str | None:
    """The 5-digit Kreis key of an area code: a Kreis key itself, the 8-digit AGS of a kreisfreie
    Stadt (05316000) or a 12-digit ARS (053160000000); None for anything else."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (5, 8, 12):
        return None
    key = code[:5]
    return key if key in kreise() else None
