from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "imon.steering"
    verbose_name = _("Steering")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="imon.steering.role_groups")
