import datetime
import os
import secrets
from dataclasses import dataclass
from importlib import resources

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from imon.core import conceptfile
from imon.core.models import Concept
from imon.reports import snapshots
from imon.reports.models import Snapshot

DEMO_USER = "demo"


@dataclass(frozen=True)
class DemoCity:
    concept: str  # the concept key in the file
    report_title: str  # the snapshot the demo freezes and publishes
    reporting_date: datetime.date
    geometry: str = ""  # a GeoJSON file of the districts beside the concept, for district maps
    geometry_source: str = ""


# The demo concepts in imon/core/demo/<key>.yaml. Leverkusen is built from its real 2019 report;
# Lindenhain is invented and differs from it in every way a city can (see the file's head).
CITIES = {
    "leverkusen": DemoCity("ik-leverkusen-2017", "1. Umsetzungsbericht", datetime.date(2019, 9, 16)),
    "lindenhain": DemoCity(
        "ik-lindenhain",
        "Umsetzungsbericht 2025",
        datetime.date(2025, 11, 30),
        "lindenhain-ortsbezirke.geojson",
        "Stadt Lindenhain, Vermessungsamt (erfundene Grenzen)",
    ),
}


def demo_file(city: str = "leverkusen"):
    return resources.files("imon.core").joinpath(f"demo/{city}.yaml")


class Command(BaseCommand):
    help = _("Set up a demo city (migrate, load, demo login) and serve it.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--city",
            choices=sorted(CITIES),
            default="leverkusen",
            help=_("which demo concept to load (default: leverkusen, built from its real 2019 report)"),
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help=_("set up and exit"))

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        city = CITIES[options["city"]]
        other = Concept.objects.exclude(key=city.concept).values_list("key", flat=True).first()
        if other:
            # The demos share keys (areas, indicators): one installation holds one of them.
            raise CommandError(
                _(
                    "This installation holds the concept '%(other)s' already; start the demo '%(city)s' "
                    "in a folder of its own (IMON_HOME)."
                )
                % {"other": other, "city": options["city"]}
            )
        with demo_file(options["city"]).open("rb") as stream:
            stats = conceptfile.load_text(stream)
        self.stdout.write(_("Demo concept loaded: %(stats)s.") % {"stats": stats})
        if city.geometry:
            with resources.as_file(resources.files("imon.core").joinpath(f"demo/{city.geometry}")) as path:
                call_command("load_geometry", str(path), source=city.geometry_source, stdout=self.stdout)
        if not Snapshot.objects.exists():  # the published state that the portal shows and reports render
            snapshot = snapshots.create(city.report_title, city.reporting_date, concept_key=city.concept)
            snapshots.publish(snapshot)
            self.stdout.write(
                _("Snapshot 1 frozen and published (%(title)s, %(date)s): the portal is at /portal/.")
                % {"title": city.report_title, "date": city.reporting_date.strftime("%d.%m.%Y")}
            )
        password = create_demo_login()
        if password:
            self.stdout.write(
                _("Demo login (shown only now): user '%(user)s', password '%(password)s'")
                % {"user": DEMO_USER, "password": password}
            )
        else:
            self.stdout.write(
                _(
                    "The demo login '%(user)s' exists already; set a new password with 'imon changepassword %(user)s'."
                )
                % {"user": DEMO_USER}
            )
        if options["no_serve"]:
            return _("Demo ready.")
        if "IMON_TOTP_REQUIRED" not in os.environ:
            # The demo on a laptop asks for no authenticator app (a real installation does: IMON_TOTP_REQUIRED).
            settings.IMON_TOTP_REQUIRED = False
            self.stdout.write(_("The demo asks for no second factor (set IMON_TOTP_REQUIRED=1 to try it)."))
        # one process (waitress) on a laptop; by name, so that reports does not import ops
        call_command("serve", host=options["host"], port=options["port"], workers=1, stdout=self.stdout)


def create_demo_login() -> str | None:
    """Create the demo administrator once; returns its password, or None if it exists."""
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username=DEMO_USER).exists():
            return None
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(DEMO_USER, email="", password=password)
    return password
