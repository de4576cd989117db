from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from imon.core.numbers import parse_date
from imon.reports import snapshots, suppression_report
from imon.reports.models import Snapshot


class Command(BaseCommand):
    help = _("Freeze the current state as a snapshot for reports, or list the snapshots.")
    # Django's system checks (about half a second) belong to `imon check` and `imon migrate`.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=_("create a snapshot"))
        create.add_argument("--title", required=True, help=_('title, e.g. "1. Umsetzungsbericht"'))
        create.add_argument("--date", required=True, help=_("reporting date, e.g. 2019-09-16 or 16.09.2019"))
        create.add_argument("--concept", help=_("key of the concept (needed when there are several)"))
        sub.add_parser("list", help=_("list the snapshots"))
        publish = sub.add_parser(
            "publish", help=_("make a snapshot the public release (shows its suppression report first)")
        )
        publish.add_argument("number", type=int, help=_("number of the snapshot"))
        report = sub.add_parser("report", help=_("show the suppression report of a snapshot"))
        report.add_argument("number", help=_("number of the snapshot, or latest"))

    def handle(self, *args, **options):
        if options["action"] == "list":
            return self.list()
        if options["action"] in ("publish", "report"):
            try:
                snapshot = snapshots.get(options["number"])
            except snapshots.SnapshotError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(suppression_report.as_text(snapshot))
            if options["action"] == "report":
                return None
            try:
                snapshots.publish(snapshot)
            except snapshots.SnapshotError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                _(
                    "Snapshot %(number)d is now the public release: portal, API, downloads and static export show it."
                )
                % {"number": snapshot.number}
            )
            return None
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
        data = snapshot.head
        report = data.get("suppression") or {}
        hidden = sum(report.get("hidden", {}).values())
        published = report.get("cells", 0) - hidden
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

    def list(self):
        rows = Snapshot.objects.order_by("number").select_related("release").defer("document")
        public = snapshots.published()
        for snapshot in rows:
            created = timezone.localtime(snapshot.created_at)
            state = ""
            if hasattr(snapshot, "release"):
                published = timezone.localtime(snapshot.release.published_at)
                state = "; " + _("published %(when)s") % {"when": f"{published:%d.%m.%Y %H:%M}"}
                if public is not None and public.number == snapshot.number and snapshots.out_of_date(public):
                    state += " – " + _("out of date: the confidentiality settings have changed")
            self.stdout.write(
                f"{snapshot.number:>4}  {snapshot.reporting_date:%d.%m.%Y}  {snapshot.title}  "
                f"({_('created')} {created:%d.%m.%Y %H:%M}, {snapshot.sha256[:12]}{state})"
            )
        self.stdout.write(_("%(count)d snapshot(s).") % {"count": len(rows)})
