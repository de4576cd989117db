from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "imon.portal"
    verbose_name = _("Integration portal")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from imon.core.models import ContactPoint
        from imon.reports.models import Release

        from .content import contact_points_changed, snapshot_frozen

        post_save.connect(contact_points_changed, sender=ContactPoint, dispatch_uid="portal-contact-saved")
        post_delete.connect(
            contact_points_changed, sender=ContactPoint, dispatch_uid="portal-contact-deleted"
        )
        m2m_changed.connect(
            contact_points_changed,
            sender=ContactPoint.fields_of_action.through,
            dispatch_uid="portal-contact-fields",
        )
        post_save.connect(snapshot_frozen, sender=Release, dispatch_uid="portal-snapshot-published")
