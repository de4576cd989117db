import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.core import models as m
from imon.core.fetch import run
from imon.core.fetch import subscription as subs


class Command(BaseCommand):
    help = _(
        "Fetch the official tables of indicators from the web service of GENESIS-Online, the Regionaldatenbank or the Zensus 2022 database and import them."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "indicators",
            nargs="*",
            metavar="INDICATOR",
            help=_("indicator keys; default: all with an official table"),
        )
        parser.add_argument(
            "--due", action="store_true", help=_("only those whose next reference date has passed")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("fetch and check; write nothing"))
        parser.add_argument(
            "--replace", action="store_true", help=_("also overwrite conflicting stored values")
        )
        parser.add_argument(
            "--list", action="store_true", help=_("list the subscriptions: table, last fetch, next due date")
        )

    def progress(self, message):
        self.stderr.write(message)
        self.stderr.flush()

    def handle(self, *args, **options):
        keys = options["indicators"]
        unknown = set(keys) - set(m.Indicator.objects.filter(key__in=keys).values_list("key", flat=True))
        if unknown:
            raise CommandError(_("Unknown indicator: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
        indicators = run.subscribed(keys)
        without = set(keys) - {i.key for i in indicators}
        if without:
            raise CommandError(
                _("No official table to fetch for: %(keys)s.") % {"keys": ", ".join(sorted(without))}
            )
        if options["list"]:
            return self.list(indicators)
        today = datetime.date.today()
        counts = {"written": 0, "unchanged": 0, "not_due": 0, "dry_run": 0, "failed": 0}
        for indicator in indicators:
            outcome = run.fetch_indicator(
                indicator,
                today,
                due_only=options["due"],
                dry_run=options["dry_run"],
                replace=options["replace"],
                progress=self.progress,
            )
            counts[outcome.state] += 1
            out = self.stderr if outcome.failed else self.stdout
            out.write(f"{indicator.key}: {outcome.message}")
            for problem in outcome.problems:
                out.write(f"{indicator.key}:   {problem}")
        summary = (
            _(
                "%(written)s written, %(unchanged)s without anything new, %(not_due)s not due, %(failed)s failed."
            )
            % counts
        )
        if counts["failed"]:
            raise CommandError(summary)
        return summary

    def list(self, indicators):
        for row in run.overview(datetime.date.today(), indicators):
            indicator, latest = row["indicator"], row["latest"]
            sub = subs.canonical(indicator.fetch)
            record = run.last_fetch(indicator)
            last = f"#{record.pk} {record.created_at:%d.%m.%Y}" if record else "–"
            due = _("due") if row["due"] else f"{row['next']:%d.%m.%Y}"
            self.stdout.write(
                f"{indicator.key}  {sub.get('database', '?')} {sub.get('table', '?')} {sub.get('value_variable', '?')}  "
                + _("latest %(latest)s, last fetch %(last)s, next %(due)s")
                % {"latest": f"{latest:%d.%m.%Y}" if latest else "–", "last": last, "due": due}
            )
        return _("%(count)s subscriptions.") % {"count": len(indicators)}
