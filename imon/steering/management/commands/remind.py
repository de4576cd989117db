"""Remind owners of open status updates before the deadline (run daily from cron)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from imon.steering import services


class Command(BaseCommand):
    help = "E-mail the owners of status updates that are still open when the deadline is near."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Remind from this many days before the deadline on, for every cycle (default: the rhythm set on each cycle).",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Start of the links in the e-mails, e.g. https://integration.example.org",
        )

    def handle(self, *args, days, base_url, **options):
        sent = services.remind(timezone.localdate(), days, base_url.rstrip("/"))
        self.stdout.write(_("%(count)d reminder(s) sent.") % {"count": sent})
