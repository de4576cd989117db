import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from imon.core import geometry
from imon.core.models import Area

OWN_KINDS = (Area.Kind.CITY_DISTRICT, Area.Kind.QUARTER, Area.Kind.STATISTICAL, Area.Kind.MUNICIPALITY)


class Command(BaseCommand):
    help = _(
        "Load the outlines of the city's districts from a GeoJSON file, for maps of district figures "
        "(each feature names its area by key, official code or name)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("GeoJSON file (FeatureCollection, WGS 84)"))
        parser.add_argument(
            "--property",
            help=_("the feature property that names the area (default: the first of key, code, AGS, name)"),
        )
        parser.add_argument(
            "--source",
            default="",
            help=_("who made the outlines, printed under every map (e.g. the survey office)"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("check and report, write nothing"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            document = json.loads(path.read_bytes())
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be read: %(error)s") % {"file": path, "error": exc.strerror}
            ) from None
        except ValueError as exc:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s") % {"file": path, "error": exc}
            ) from None
        try:
            features = geometry.read(document)
        except geometry.GeometryError as exc:
            raise CommandError(f"{path}: {exc}") from None
        areas = list(Area.objects.filter(kind__in=OWN_KINDS))
        shapes, unmatched = geometry.match(features, areas, options["property"])
        if unmatched:
            names = ", ".join(str(next(iter(f.properties.values()), f.number)) for f in unmatched[:10])
            raise CommandError(
                _(
                    "%(count)s features name no district, quarter or municipality of the database "
                    "(%(names)s); nothing was written. Name the property with --property."
                )
                % {"count": len(unmatched), "names": names}
            )
        without = sorted(a.name for a in areas if a.key not in shapes and a.kind != Area.Kind.MUNICIPALITY)
        if options["dry_run"]:
            return _("%(count)s outlines checked; nothing written (--dry-run).") % {"count": len(shapes)}
        with transaction.atomic():
            for area in areas:
                if area.key in shapes:
                    area.geometry = shapes[area.key]
                    area.geometry_source = options["source"]
                    area.save(update_fields=["geometry", "geometry_source"])
        if without:
            self.stderr.write(
                _("Without an outline (not drawn on maps): %(names)s.") % {"names": ", ".join(without)}
            )
        return _("%(count)s outlines loaded; district maps use them from the next snapshot.") % {
            "count": len(shapes)
        }
