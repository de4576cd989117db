from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "imon.ops"
    verbose_name = _("Operations and security")

    def ready(self):
        from . import audit, checks, throttle  # noqa: F401 - checks registers itself

        audit.connect_signals()
        throttle.install_login_form()
