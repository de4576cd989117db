"""The audit log: security events are written to the database as they happen.

`record()` (in events.py, used here and by the login lock) is the one way in; signal receivers cover logins, logouts, failed logins and changes of roles
(groups, permissions, staff and superuser flags); `AuditMiddleware` covers refused requests and staff downloads."""

import contextlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.models import Group
from django.db import DatabaseError
from django.db.models import signals

from . import throttle
from .events import client_ip, current_request, record

__all__ = ["AuditMiddleware", "client_ip", "connect_signals", "current_request", "record"]

ROLE_FLAGS = ("is_active", "is_staff", "is_superuser")


def _logged_in(sender, request, user, **kwargs):
    record("login", request, user)


def _logged_out(sender, request, user, **kwargs):
    record("logout", request, user)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    if getattr(request, "imon_login_locked", False):  # refused by the lock without checking the password
        record("login_locked", request, username=username)
        return
    record("login_failed", request, username=username)
    throttle.after_failure(username, request)


def _remember_roles(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._imon_roles = None
        return
    instance._imon_roles = sender.objects.filter(pk=instance.pk).values(*ROLE_FLAGS).first()


def _role_flags_changed(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_imon_roles", None)
    if created:
        changes = [
            f"{flag}={getattr(instance, flag)}"
            for flag in ROLE_FLAGS
            if getattr(instance, flag) and flag != "is_active"
        ]
        if not changes:
            return
        detail = f"user {instance.get_username()} created: " + ", ".join(changes)
    else:
        if not before:
            return
        changes = [
            f"{flag}: {before[flag]} → {getattr(instance, flag)}"
            for flag in ROLE_FLAGS
            if before[flag] != getattr(instance, flag)
        ]
        if not changes:
            return
        detail = f"user {instance.get_username()}: " + "; ".join(changes)
    record("role_change", detail=detail)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    subject = f"group {instance.name}" if isinstance(instance, Group) else f"user {instance.get_username()}"
    names = sorted(str(obj) for obj in model.objects.filter(pk__in=pk_set)) if pk_set else []
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    record(
        "role_change",
        detail=f"{subject}: {model._meta.verbose_name_plural} {verb}: {', '.join(names)}".strip().rstrip(":"),
    )


def _deleted(sender, instance, **kwargs):
    subject = f"group {instance.name}" if isinstance(instance, Group) else f"user {instance.get_username()}"
    record("role_change", detail=f"{subject} deleted")


def _second_factor_removed(sender, instance, **kwargs):
    record("otp_disabled", detail=f"user {instance.user.get_username()}")


def connect_signals():
    from . import second_factor
    from .models import TOTPDevice

    User = get_user_model()
    auth_signals.user_logged_in.connect(second_factor.on_login, dispatch_uid="imon_second_factor_login")
    signals.post_delete.connect(
        _second_factor_removed, sender=TOTPDevice, dispatch_uid="imon_audit_otp_removed"
    )
    signals.post_delete.connect(_deleted, sender=User, dispatch_uid="imon_audit_user_deleted")
    signals.post_delete.connect(_deleted, sender=Group, dispatch_uid="imon_audit_group_deleted")
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="imon_audit_login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="imon_audit_logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="imon_audit_login_failed")
    signals.pre_save.connect(_remember_roles, sender=User, dispatch_uid="imon_audit_roles_pre")
    signals.post_save.connect(_role_flags_changed, sender=User, dispatch_uid="imon_audit_roles_post")
    signals.m2m_changed.connect(
        _m2m_changed, sender=User.groups.through, dispatch_uid="imon_audit_user_groups"
    )
    signals.m2m_changed.connect(
        _m2m_changed, sender=User.user_permissions.through, dispatch_uid="imon_audit_user_perms"
    )
    signals.m2m_changed.connect(
        _m2m_changed, sender=Group.permissions.through, dispatch_uid="imon_audit_group_perms"
    )


class AuditMiddleware:
    """Records refused requests of signed-in users (403, or a redirect to the login page because a permission is
    missing) and files that staff download (responses sent as attachment)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.login_url = None

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        try:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return response
        except DatabaseError:  # the database is unreachable: the response says so already
            return response
        if response.status_code == 403:
            record("permission_denied", request, detail="403")
        elif response.status_code == 302 and self._is_login_redirect(response):
            record("permission_denied", request, detail="redirect to login")
        elif response.status_code == 200 and "attachment" in response.get("Content-Disposition", ""):
            record(
                "download",
                request,
                detail=response["Content-Disposition"].partition("filename=")[2].strip('"'),
            )
        return response

    def _is_login_redirect(self, response) -> bool:
        from django.shortcuts import resolve_url
        from django.urls import NoReverseMatch, reverse

        if self.login_url is None:
            urls = {resolve_url(settings.LOGIN_URL), reverse("admin:login")}
            with contextlib.suppress(NoReverseMatch):
                urls.add(reverse("login"))  # the staff login page outside the admin
            self.login_url = urls
        return response.get("Location", "").split("?")[0] in self.login_url
