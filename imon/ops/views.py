import logging
import sys
import time

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import page_not_found as default_page_not_found
from django.views.defaults import server_error as default_server_error

from . import audit, otp, second_factor, throttle
from .faults import database_unavailable, first_line
from .models import TOTPDevice

logger = logging.getLogger("imon.ops")

RETRY_AFTER_SECONDS = 30


def page_not_found(request, exception):
    """The 404 handler: the portal's own page for addresses of the portal (its layout, the
    visitor's language), the staff page for everything else."""
    if request.path.startswith("/portal/"):
        from imon.portal import content
        from imon.portal.views import error_page

        try:
            published = content.latest()
        except Exception:  # noqa: BLE001 - a missing page must still be answered without the database
            published = None
        return error_page(request.path, 404, published)
    return default_page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    """The 500 handler: a German 503 page when the database is unreachable, else the usual 500 page
    (the portal's own for addresses of the portal).

    Rendered without the request context, so that the page needs no database (no session, no user)."""
    error = sys.exc_info()[1]
    if not database_unavailable(error):
        if request.path.startswith("/portal/"):
            from imon.portal.views import error_page

            return error_page(request.path, 500)
        return default_server_error(request)
    logger.error("database unavailable: %s", first_line(error))
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- Second factor --------------------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        max_length=10,
        help_text=gettext_lazy("Six digits, e.g. 123456."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ReplaceForm(CodeForm):
    """Replacing an app needs what only its owner has: the password and a code of the current app."""

    password = forms.CharField(
        label=gettext_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    old_code = forms.CharField(
        label=gettext_lazy("Code from your current authenticator app"),
        max_length=10,
        help_text=gettext_lazy("The app that is set up now; six digits."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    field_order = ["password", "old_code", "code"]


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return target


def _check_code(request, form, secret, last_step, field="code", message=None):
    """The matching time step of the code in `field`, or None with the error on the form (recorded,
    and counted for the lock)."""
    username = request.user.get_username()
    end = throttle.locked_until(username, audit.client_ip(request))
    if end:
        audit.record("login_locked", request, detail="second factor")
        form.add_error(None, throttle.lock_message(end))
        return None
    step = otp.matching_step(secret, form.cleaned_data[field], time.time(), last_step)
    if step is None:
        audit.record("login_failed", request, username=username, detail="second factor")
        throttle.after_failure(username, request)
        form.add_error(
            field,
            message or _("The code is not right (or was used already). Enter the current code from the app."),
        )
    return step


def _owner_confirmed(request, form, device) -> bool:
    """Password and a code of the current app, before that app is replaced (recorded, counted for the lock)."""
    user = request.user
    if not user.check_password(form.cleaned_data["password"]):
        audit.record(
            "login_failed", request, username=user.get_username(), detail="second factor replacement"
        )
        throttle.after_failure(user.get_username(), request)
        form.add_error("password", _("The password is not right."))
        return False
    message = _("The code of the current app is not right (or was used already).")
    return _check_code(request, form, device.secret, device.last_step, "old_code", message) is not None


@login_required
def otp_verify(request):
    device = TOTPDevice.objects.filter(user=request.user).first()
    if device is None:  # nothing to check (e.g. removed by an administrator meanwhile)
        request.session.pop(second_factor.SESSION_KEY, None)
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = _check_code(request, form, device.secret, device.last_step)
        if step is not None:
            device.last_step = step
            device.save(update_fields=["last_step"])
            second_factor.mark_done(request)
            return redirect(_next_url(request))
    return render(request, "ops/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def otp_setup(request):
    """Set up (or replace) the authenticator app: show the secret, confirm with a first code."""
    if request.session.get(second_factor.SESSION_KEY) == second_factor.PENDING:
        return redirect("otp-verify")
    secret = request.session.get("imon_otp_new_secret") or otp.new_secret()
    request.session["imon_otp_new_secret"] = secret
    current = TOTPDevice.objects.filter(user=request.user).first()
    form = (ReplaceForm if current else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = _check_code(request, form, secret, None)
        if step is not None and current is not None and not _owner_confirmed(request, form, current):
            step = None
        if step is not None:
            TOTPDevice.objects.update_or_create(
                user=request.user, defaults={"secret": secret, "last_step": step}
            )
            del request.session["imon_otp_new_secret"]
            audit.record("otp_enabled", request)
            second_factor.mark_done(request)
            return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "secret": otp.grouped(secret),
        "uri": otp.provisioning_uri(secret, request.user.get_username()),
        "required": second_factor.required_for(request.user),
        "replacing": TOTPDevice.objects.filter(user=request.user).exists(),
    }
    return render(request, "ops/otp_setup.html", context)


# --- Password reset by e-mail ---------------------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402

from django.contrib.auth import views as auth_views  # noqa: E402
from django.utils import timezone  # noqa: E402

# At most this many reset mails per address (IP) and hour: no mail bombing through the form.
RESET_REQUESTS_PER_HOUR = 5


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form (it never tells whether the address is known), recorded and limited per IP."""

    def form_valid(self, form):
        from .models import AuditEvent

        ip = audit.client_ip(self.request)
        recent = AuditEvent.objects.filter(
            kind="password_reset", ip=ip, created_at__gte=timezone.now() - timedelta(hours=1)
        ).count()
        email = form.cleaned_data["email"]
        if recent >= RESET_REQUESTS_PER_HOUR:
            audit.record("password_reset", self.request, detail=f"{email}: not sent (too many requests)")
            return redirect(self.get_success_url())
        audit.record("password_reset", self.request, detail=email)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("password_changed", self.request, user=form.user, detail="reset by e-mail")
        return response
