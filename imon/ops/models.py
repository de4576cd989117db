from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One security-relevant event: a login, a refused request, an export of non-public data, a role change, a backup.

    Events are only ever added; the admin shows them read-only."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGIN_LOCKED = "login_locked", _("login refused (locked)")
        LOCKOUT = "lockout", _("account or address locked")
        LOGOUT = "logout", _("logout")
        PERMISSION_DENIED = "permission_denied", _("permission denied")
        EXPORT = "export", _("export of non-public data")
        DOWNLOAD = "download", _("staff download")
        ROLE_CHANGE = "role_change", _("role or permission change")
        SECOND_FACTOR_ON = "otp_enabled", _("second factor set up")
        SECOND_FACTOR_OFF = "otp_disabled", _("second factor removed")
        PASSWORD_RESET = "password_reset", _("password reset requested")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        BACKUP = "backup", _("backup")
        RESTORE = "restore", _("restore")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address (URL) or command"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "username", "created_at"], name="ops_audit_kind_user"),
            models.Index(fields=["kind", "ip", "created_at"], name="ops_audit_kind_ip"),
        ]

    def __str__(self):
        return f"{self.created_at:%d.%m.%Y %H:%M:%S} {self.get_kind_display()} {self.username}"


class TOTPDevice(models.Model):
    """A user's authenticator app (second factor). Set up by the user; removed by an administrator when lost."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.CharField(_("secret"), max_length=64)
    created_at = models.DateTimeField(_("set up at"), auto_now_add=True)
    last_step = models.BigIntegerField(_("last time step used"), null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app (second factor)")
        verbose_name_plural = _("authenticator apps (second factor)")

    def __str__(self):
        return str(self.user)
