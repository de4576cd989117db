from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalState(models.Model):
    """One row: what public pages depend on besides the published snapshot. Kept in the
    database, not in a process's cache, so that every server process sees a change."""

    contact_points_version = models.PositiveBigIntegerField(_("version of the contact points"), default=0)

    class Meta:
        verbose_name = _("portal state")
        verbose_name_plural = _("portal state")

    def __str__(self):
        return str(_("portal state"))
