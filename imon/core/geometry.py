"""Outlines of the city's own areas (districts, quarters) for maps, read from GeoJSON.

A municipality loads its district outlines once (`imon load-geometry FILE`); maps of district
figures are drawn from them, server-side, with no tile server or third-party request. GeoJSON
gives longitude and latitude in WGS 84 (RFC 7946); for drawing, `project` puts them on a plane in
metres around the middle of the city (equirectangular, exact enough at the scale of a city).
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

EARTH_RADIUS_M = 6_371_000
# The feature properties tried, in this order, when the command names none.
KEY_PROPERTIES = ("key", "code", "AGS", "ags", "id", "name", "NAME", "Name")


class GeometryError(Exception):
    """The file cannot be used; the message is for the user."""


@dataclass
class Feature:
    number: int  # 1-based, in file order
    properties: dict
    rings: list  # [[[lon, lat], ...], ...]


def _rings(geometry, number: int) -> list:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    polygons: list = []
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = coordinates
    else:
        raise GeometryError(
            _("feature %(number)s: a polygon or multipolygon is needed, found %(kind)s.")
            % {"number": number, "kind": kind or "–"}
        )
    rings = []
    try:
        for polygon in polygons:
            for ring in polygon:
                points = [[float(lon), float(lat)] for lon, lat, *_rest in ring]
                if len(points) < 4:
                    raise ValueError
                if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points):
                    raise GeometryError(
                        _(
                            "feature %(number)s: the coordinates are not longitude and latitude (WGS 84, as "
                            "GeoJSON requires); convert the file, e.g. from UTM, first."
                        )
                        % {"number": number}
                    )
                rings.append(points)
    except (TypeError, ValueError):
        raise GeometryError(
            _("feature %(number)s: the coordinates are not closed rings of points.") % {"number": number}
        ) from None
    return rings


def read(document) -> list[Feature]:
    """The polygon features of a GeoJSON FeatureCollection."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GeometryError(_("The file is not a GeoJSON FeatureCollection."))
    features = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        if not isinstance(feature, dict):
            raise GeometryError(_("feature %(number)s is not a GeoJSON feature.") % {"number": number})
        properties = feature.get("properties") or {}
        features.append(Feature(number, properties, _rings(feature.get("geometry"), number)))
    if not features:
        raise GeometryError(_("The file holds no features."))
    return features


def match(features: list[Feature], areas: list, prop: str | None = None) -> tuple[dict, list[Feature]]:
    """({area key: rings}, features that name no area). An area is found by the feature property
    `prop` (else the first of KEY_PROPERTIES a feature has) equal to its key, official code or name."""
    by_value: dict[str, str] = {}
    for area in areas:
        for value in (area.name, area.code, area.key):  # later wins: key before code before name
            if value:
                by_value[str(value).strip()] = area.key
    found: dict[str, list] = {}
    unmatched = []
    for feature in features:
        names = [prop] if prop else [p for p in KEY_PROPERTIES if p in feature.properties]
        key = next(
            (
                by_value[str(feature.properties[p]).strip()]
                for p in names
                if str(feature.properties.get(p, "")).strip() in by_value
            ),
            None,
        )
        if key is None:
            unmatched.append(feature)
        else:
            found.setdefault(key, []).extend(feature.rings)
    return found, unmatched


def project(shapes: dict[str, list]) -> dict[str, list[list[int]]]:
    """{key: rings} in longitude/latitude -> {key: rings as flat [x0, y0, x1, y1, ...]} in whole
    metres on a plane around the middle of all shapes (x east, y north)."""
    points = [p for rings in shapes.values() for ring in rings for p in ring]
    if not points:
        return {}
    lon0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lat0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    scale_x = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    scale_y = math.radians(1) * EARTH_RADIUS_M
    return {
        key: [
            [round(c) for lon, lat in ring for c in ((lon - lon0) * scale_x, (lat - lat0) * scale_y)]
            for ring in rings
        ]
        for key, rings in shapes.items()
    }
