"""System checks of the operating configuration (`imon check --deploy`)."""

import hashlib

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.translation import gettext as _

# SHA-256 of secret keys that were once committed to the repository: public, so they protect nothing. Only the
# hashes are kept here, never the keys.
SHIPPED_KEY_HASHES = frozenset({"f8eee13aef595bfd5beac76d2004ce00a0a52b42755c7b5df9fa092f7e094c9b"})
MIN_KEY_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not be used in production, or None. A plain function of the key."""
    if hashlib.sha256(key.strip().encode("utf-8")).hexdigest() in SHIPPED_KEY_HASHES:
        return "shipped"
    if len(key) < MIN_KEY_LENGTH:
        return "short"
    return None


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    problem = secret_key_problem(str(settings.SECRET_KEY))
    if problem == "shipped":
        return [
            Error(
                _("The secret key was published in the repository of Integrationsmonitor."),
                hint=_(
                    "Create a new key (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))') and set "
                    "it with IMON_SECRET_KEY or IMON_SECRET_KEY_FILE, or delete IMON_HOME/secret_key so that a new "
                    "one is generated. Signed-in users have to sign in again."
                ),
                id="imon.E001",
            )
        ]
    if problem == "short":
        return [
            Error(
                _("The secret key is shorter than %(length)d characters.") % {"length": MIN_KEY_LENGTH},
                hint=_(
                    "Create a new key (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))') and set "
                    "it with IMON_SECRET_KEY or IMON_SECRET_KEY_FILE."
                ),
                id="imon.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_proxy(app_configs, **kwargs):
    """Behind HTTPS, the scheme comes from X-Forwarded-Proto only if the proxy is named."""
    from django.core.checks import Warning

    if getattr(settings, "SECURE_SSL_REDIRECT", False) and not getattr(settings, "IMON_TRUSTED_PROXY", ""):
        return [
            Warning(
                _(
                    "HTTPS is switched on (IMON_HTTPS), but no reverse proxy is trusted: X-Forwarded-Proto is ignored."
                ),
                hint=_(
                    "If Integrationsmonitor runs behind a reverse proxy that ends HTTPS, set IMON_TRUSTED_PROXY "
                    "to the proxy's address; otherwise every request looks like plain HTTP and is redirected."
                ),
                id="imon.W001",
            )
        ]
    return []


@register()
def check_house_style(app_configs, **kwargs):
    """A house style setting that cannot be used (a colour below 4.5:1 against white, a logo file that is
    missing or no SVG/PNG image) is ignored: say so."""
    from django.core.checks import Warning

    from imon.core.housestyle import settings_problems

    return [
        Warning(
            problem,
            hint=_("Reports and the portal use the concept file's value or the default instead."),
            id="imon.W010",
        )
        for problem in settings_problems(getattr(settings, "IMON_STYLE", {}))
    ]
