"""Login throttling: after repeated failed logins a user name, or an address, is locked for a while.

The failures are the `login_failed` events of the audit log, so that several app servers sharing one database
count together. A successful login ends the count for that user name."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import ngettext

from .events import client_ip, record


def limits() -> tuple[int, int, timedelta]:
    """(failures per user name, failures per address, window and lock duration)."""
    return (
        getattr(settings, "IMON_LOGIN_MAX_FAILURES", 5),
        getattr(settings, "IMON_LOGIN_MAX_FAILURES_PER_IP", 20),
        timedelta(minutes=getattr(settings, "IMON_LOGIN_LOCK_MINUTES", 15)),
    )


def lock_end(failure_times: list, limit: int, window: timedelta, now):
    """When the lock ends, or None: locked while the last `limit` failures lie within `window` and the last of them
    is less than `window` ago. Plain function of the failure times (newest first)."""
    if limit <= 0 or len(failure_times) < limit:
        return None
    newest, oldest = failure_times[0], failure_times[limit - 1]
    if newest - oldest > window:
        return None
    end = newest + window
    return end if end > now else None


def _failures(now, window, limit, **filters):
    from .models import AuditEvent

    recent = AuditEvent.objects.filter(created_at__gte=now - 2 * window, **filters)
    if "username" in filters:
        last_login = (
            AuditEvent.objects.filter(
                kind="login", username=filters["username"], created_at__gte=now - 2 * window
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last_login:
            recent = recent.filter(created_at__gt=last_login)
    return list(
        recent.filter(kind="login_failed")
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )


def locked_until(username: str, ip: str | None, now=None):
    """The end of the lock for this user name or address, or None."""
    now = now or timezone.now()
    per_user, per_ip, window = limits()
    ends = []
    if username:
        ends.append(lock_end(_failures(now, window, per_user, username=username), per_user, window, now))
    if ip:
        ends.append(lock_end(_failures(now, window, per_ip, ip=ip), per_ip, window, now))
    ends = [end for end in ends if end]
    return max(ends) if ends else None


def after_failure(username: str, request):
    """Called after each failed login: record a lockout when this failure starts one."""
    from .models import AuditEvent

    ip = client_ip(request)
    now = timezone.now()
    end = locked_until(username, ip, now)
    already = AuditEvent.objects.filter(
        kind="lockout", username=username, ip=ip, created_at__gte=now - limits()[2]
    ).exists()
    if end and not already:
        record(
            "lockout", request, username=username, detail=f"until {timezone.localtime(end):%d.%m.%Y %H:%M:%S}"
        )


def lock_message(end, now=None) -> str:
    minutes = max(1, int(((end - (now or timezone.now())).total_seconds() + 59) // 60))
    return ngettext(
        "Too many failed sign-in attempts. Signing in is locked; please try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Signing in is locked; please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledModelBackend(ModelBackend):
    """Django's user/password check, refused without looking at the password while the user name or address is
    locked: every login form and every call of authenticate() is throttled alike."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if locked_until(str(username or ""), client_ip(request)):
            if request is not None:
                request.imon_login_locked = True  # recorded as a refused attempt, not as another failure
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottledFormMixin:
    """Login forms that say in German that signing in is locked, and for how long."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        end = locked_until(username, client_ip(self.request))
        if end:
            record("login_locked", self.request, username=username)
            raise forms.ValidationError(lock_message(end), code="locked")
        return super().clean()


class LoginForm(ThrottledFormMixin, AuthenticationForm):
    """For login pages outside the admin (LoginView(authentication_form=LoginForm))."""


class ThrottledLoginForm(ThrottledFormMixin, AdminAuthenticationForm):
    """The admin login form."""


def install_login_form():
    from django.contrib import admin

    admin.site.login_form = ThrottledLoginForm
