"""The second factor in the request cycle.

At login (`user_logged_in`) the session is marked: `pending` when the user has an authenticator app,
`setup` when the user must have one (IMON_TOTP_REQUIRED, on by default: every account that can change or
publish data) and has none. While
marked, `SecondFactorMiddleware` sends every request of the user to the code page (or the set-up page);
only logging out, static files and public pages stay open. The mark lives in the session, so the check
costs no query per request."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "imon_second_factor"
PENDING, SETUP = "pending", "setup"


CHANGING = ("add_", "change_", "delete_", "approve_", "manage_", "publish_")


def required_for(user) -> bool:
    """Must this account sign in with a second factor? Every account that can change or publish data:
    administrators, the office, reviewers, field-of-action editors, measure owners, and anyone holding a
    permission to add, change, delete, approve or publish. Reading alone needs none."""
    if not getattr(settings, "IMON_TOTP_REQUIRED", True) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from imon.steering.permissions import edited_field_ids, owned_measure_ids

    if edited_field_ids(user) or owned_measure_ids(user):
        return True
    return any(permission.split(".", 1)[1].startswith(CHANGING) for permission in user.get_all_permissions())


def state_at_login(user) -> str | None:
    from .models import TOTPDevice

    if TOTPDevice.objects.filter(user=user).exists():
        return PENDING
    if required_for(user):
        return SETUP
    return None


def on_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    state = state_at_login(user)
    if state:
        request.session[SESSION_KEY] = state
    else:
        request.session.pop(SESSION_KEY, None)


def mark_done(request):
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


class SecondFactorMiddleware:
    OPEN_PREFIXES = ("/static/", "/healthz", "/portal/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.OPEN_PREFIXES) or not hasattr(request, "session"):
            return self.get_response(request)  # public: the session is not even loaded
        state = request.session.get(SESSION_KEY)
        if state in (PENDING, SETUP):
            target = reverse("otp-verify" if state == PENDING else "otp-setup")
            allowed = (
                target,
                reverse("admin:logout"),
                reverse("steering-logout"),
                reverse("otp-setup") if state == SETUP else target,
            )
            if request.path not in allowed:
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
