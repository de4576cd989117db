from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from imon.core.numbers import parse_date
from imon.reports import snapshots
from imon.reports.models import Snapshot


class Command(BaseCommand):
    help = _("Freeze the current state as a snapshot for reports, or list the snapshots.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("create a snapshot"))
        create.add_argument("--title", required=True, help=_('title, e.g. "1. Umsetzungsbericht"'))
        create.add_argument("--date", required=True, help=_("reporting date, e.g. 2019-09-16 or 16.09.2019"))
        create.add_argument("--concept", help=_("key of the concept (needed when there are several)"))
        sub.add_parser("list", help=_("list the snapshots"))

    def handle(self, *args, **options):
        if options["action"] == "list":
            rows = Snapshot.objects.order_by("number").values_list(
                "number", "title", "reporting_date", "created_at", "sha256"
            )
            for number, title, date, created, sha in rows:
                created = timezone.localtime(created)
                self.stdout.write(
                    f"{number:>4}  {date:%d.%m.%Y}  {title}  ({_('created')} {created:%d.%m.%Y %H:%M}, {sha[:12]})"
                )
            self.stdout.write(_("%(count)d snapshot(s).") % {"count": len(rows)})
            return
        title = options["title"].strip()
        if not title:
            raise CommandError(_("The title must not be empty."))
        try:
            date = parse_date(options["date"])
        except ValueError:
            raise CommandError(
                _("'%(value)s' is not a date (e.g. 2019-09-16 or 16.09.2019).") % {"value": options["date"]}
            ) from None
        try:
            snapshot = snapshots.create(title, date, concept_key=options["concept"])
        except snapshots.SnapshotError as error:
            raise CommandError(str(error)) from None
        data = snapshot.data
        published = sum(1 for o in data["observations"] if "suppressed" not in o)
        hidden = len(data["observations"]) - published
        self.stdout.write(
            _(
                "Snapshot %(number)d created: %(title)s, reporting date %(date)s; %(measures)d measures, %(obs)d observations (%(hidden)d suppressed)."
            )
            % {
                "number": snapshot.number,
                "title": title,
                "date": f"{date:%d.%m.%Y}",
                "measures": len(data["measures"]),
                "obs": published + hidden,
                "hidden": hidden,
            }
        )
