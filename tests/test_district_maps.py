"""District maps: the municipality loads its districts' outlines from GeoJSON (`imon load-geometry`);
the portal and the report draw district figures as a shaded map with a table beside it."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imon.core import geometry
from imon.core import models as m

# Two districts of Musterstadt, written by hand as a survey office's GeoJSON export would give them
# (RFC 7946: longitude, latitude; one of them a MultiPolygon with an exclave).
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"STB_NR": "1", "STB_NAME": "Bezirk Nord"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[11.50, 48.15], [11.52, 48.15], [11.52, 48.16], [11.50, 48.16], [11.50, 48.15]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"STB_NR": "2", "STB_NAME": "Bezirk Süd"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[11.50, 48.14], [11.52, 48.14], [11.52, 48.15], [11.50, 48.15], [11.50, 48.14]]],
                    [[[11.53, 48.14], [11.535, 48.14], [11.535, 48.145], [11.53, 48.14]]],
                ],
            },
        },
    ],
}


def test_outlines_are_read_and_projected_to_metres():
    features = geometry.read(GEOJSON)
    assert [len(f.rings) for f in features] == [1, 2]
    shapes = geometry.project({"n": features[0].rings})
    xs, ys = shapes["n"][0][0::2], shapes["n"][0][1::2]
    # 0.02° of longitude at 48.15° N is about 1,486 m; 0.01° of latitude about 1,112 m
    assert 1470 < max(xs) - min(xs) < 1500
    assert 1100 < max(ys) - min(ys) < 1125


@pytest.mark.parametrize(
    "document, message",
    [
        ({"type": "Feature"}, "FeatureCollection"),
        (
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [11.5, 48.1]}}],
            },
            "Point",
        ),
        (
            # UTM metres instead of degrees: the most common mistake with an office's shapefile
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[691000, 5335000], [692000, 5335000], [692000, 5336000], [691000, 5335000]]
                            ],
                        },
                    }
                ],
            },
            "WGS 84",
        ),
    ],
)
def test_unusable_files_are_refused_with_a_reason(document, message):
    with pytest.raises(geometry.GeometryError, match=message):
        geometry.read(document)


@pytest.fixture
def city(db):
    country = m.Area.objects.create(key="09999000", name="Musterstadt", kind="county", code="09999000")
    m.Area.objects.create(key="nord", name="Bezirk Nord", kind="city_district", code="1", parent=country)
    m.Area.objects.create(key="sued", name="Bezirk Süd", kind="city_district", code="2", parent=country)
    return country


def test_load_geometry_finds_districts_by_the_named_property(city, tmp_path):
    path = tmp_path / "bezirke.geojson"
    path.write_text(json.dumps(GEOJSON), encoding="utf-8")
    call_command(
        "load_geometry", str(path), "--property", "STB_NR", "--source", "Vermessungsamt", stdout=io.StringIO()
    )
    nord, sued = m.Area.objects.get(key="nord"), m.Area.objects.get(key="sued")
    assert len(nord.geometry) == 1 and len(sued.geometry) == 2
    assert nord.geometry_source == "Vermessungsamt"


def test_a_feature_that_names_no_district_writes_nothing(city, tmp_path):
    document = json.loads(json.dumps(GEOJSON))
    document["features"][1]["properties"]["STB_NR"] = "9"
    path = tmp_path / "bezirke.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match="1 Objekte nennen keinen Bezirk"):
        call_command("load_geometry", str(path), "--property", "STB_NR", stdout=io.StringIO())
    assert not m.Area.objects.get(key="nord").geometry


@pytest.fixture
def lindenhain(db):
    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())


def test_the_portal_draws_district_figures_as_a_map_with_its_table(lindenhain, client):
    page = client.get("/portal/de/kennzahlen/lh-integrationskurse/").content.decode()
    start = page.rindex("<figure", 0, page.index("Karte: Abgeschlossene Integrationskurse"))
    figure = page[start : page.index("</figure>", start)]
    assert '<svg role="img"' in figure and "Grenzen: Stadt Lindenhain, Vermessungsamt" in page
    # the table beside the map: every district, the hidden ones as hidden (Auenhof's 2 and its partner)
    for district, value in [("1 – Mitte", "48"), ("2 – Nord", "17"), ("3 – Süd", "31"), ("5 – West", "21")]:
        assert f"Ortsbezirk {district}" in figure
        assert f">{value}<" in figure
    assert ">2<" not in figure and ">12<" not in figure


def test_the_report_has_the_map_too(lindenhain):
    from imon.reports import render
    from imon.reports.models import Snapshot

    text = render.render(Snapshot.objects.get(), "html").decode()
    assert "Karte: Abgeschlossene Integrationskurse" in text
    assert "Kartengrundlage: Stadt Lindenhain, Vermessungsamt (erfundene Grenzen)." in text
