from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "imon.reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(prepare_fonts, sender=self)


def prepare_fonts(**kwargs):
    """An installation decompresses the house font when its database is set up (`imon migrate`,
    `imon demo`), not while its first report is made (a third of a second per face)."""
    from . import fonts

    fonts.prepare()
