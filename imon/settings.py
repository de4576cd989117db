"""Django settings, read from environment variables with laptop defaults.

IMON_HOME           data folder (SQLite file, uploads, generated files, secret key); default: the platform's
                    folder for user data, e.g. ~/.local/share/integrationsmonitor on Linux (never the checkout or
                    the installed package)
IMON_HTTPS          "1" behind HTTPS in production: secure cookies, HSTS, redirect to HTTPS
IMON_DATABASE_URL   e.g. postgresql://user@127.0.0.1:5432/db; default SQLite in IMON_HOME
IMON_DEBUG          "1"/"true" to enable debug mode; default off
IMON_SECRET_KEY     secret key; default: generated once into IMON_HOME/secret_key
IMON_ALLOWED_HOSTS  comma-separated host names; default localhost,127.0.0.1
IMON_PAGE_CACHE     "0" to render every portal page anew (to measure or look for a fault); default on
"""

import os
import secrets
import warnings
from pathlib import Path

import dj_database_url
import platformdirs
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """Read a secret from NAME or from the file named by NAME_FILE."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return None


def default_home() -> Path:
    """The platform's folder for user data: outside any checkout and outside the installed package."""
    return platformdirs.user_data_path("integrationsmonitor", appauthor=False)


IMON_HOME = Path(os.environ.get("IMON_HOME") or default_home()).expanduser().resolve()


def _generated_secret_key(home: Path) -> str:
    """Create the secret key file on first use; keep it between runs."""
    key_file = home / "secret_key"
    if not key_file.exists():
        home.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = env_secret("IMON_SECRET_KEY") or _generated_secret_key(IMON_HOME)
DEBUG = env_bool("IMON_DEBUG")
ALLOWED_HOSTS = env_list("IMON_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "imon.core",
    "imon.reports",
    "imon.portal",
    "imon.ops",
    "imon.steering",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "imon.core.middleware.PublicCompressionMiddleware",  # outermost: compresses what the rest made
    "django.middleware.http.ConditionalGetMiddleware",  # ETag; 304 for a page the client has
    "django.middleware.security.SecurityMiddleware",
    "imon.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "imon.core.middleware.GermanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "imon.ops.audit.AuditMiddleware",
    "imon.ops.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "imon.urls"
WSGI_APPLICATION = "imon.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = os.environ.get("IMON_DATABASE_URL") or f"sqlite:///{IMON_HOME / 'imon.sqlite3'}"
# Connections are kept for a minute; one that broke meanwhile (the database restarted) is noticed before the request
# uses it and replaced, in every thread of every server process.
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; a busy timeout
    # makes concurrent writers wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("tr", _("Turkish")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
]
# The portal's languages, each named in itself (for the language switcher).
# Rendered portal pages are kept per release (imon.portal.pagecache).
PORTAL_PAGE_CACHE = env_bool("IMON_PAGE_CACHE", True)
PORTAL_LANGUAGES = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("uk", "Українська"),
]
# Optional text files (plain text, paragraphs separated by blank lines) for the portal's imprint and privacy pages.
IMON_IMPRINT_FILE = os.environ.get("IMON_IMPRINT_FILE", "")
IMON_PRIVACY_FILE = os.environ.get("IMON_PRIVACY_FILE", "")
# The accessibility statement (BITV 2.0, EU model statement): compliance status (full, partial, none),
# date (YYYY-MM-DD) and method of the assessment, a plain-text file of known gaps (one per paragraph),
# the feedback contact, and the enforcement body of the municipality's Land (name and web address;
# empty until the office enters them). Also the German Sign Language video the municipality supplies.
IMON_ACCESSIBILITY = {
    name: os.environ.get(f"IMON_ACCESSIBILITY_{name.upper()}", "")
    for name in ("status", "assessed_on", "method", "email", "phone", "enforcement_body", "enforcement_url")
}
IMON_ACCESSIBILITY["sign_language_video"] = os.environ.get("IMON_SIGN_LANGUAGE_VIDEO_URL", "")
IMON_ACCESSIBILITY["sign_language_transcript"] = os.environ.get("IMON_SIGN_LANGUAGE_TRANSCRIPT_URL", "")
IMON_ACCESSIBILITY_GAPS_FILE = os.environ.get("IMON_ACCESSIBILITY_GAPS_FILE", "")
# The house style of reports and portal where the concept file names none (imon.core.housestyle): logo files
# (SVG or PNG; a PNG for Word and PowerPoint), colours #rrggbb (at least 4.5:1 against white), font family,
# publisher, postal address, e-mail and phone for the imprint.
IMON_STYLE = {
    name: os.environ.get(f"IMON_STYLE_{name.upper()}", "")
    for name in ("primary_colour", "accent_colour", "font", "publisher", "address", "email", "phone")
}
IMON_STYLE["logo"] = os.environ.get("IMON_STYLE_LOGO_FILE", "")
IMON_STYLE["logo_png"] = os.environ.get("IMON_STYLE_LOGO_PNG_FILE", "")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["imon.formats"]

STATIC_URL = "static/"
STATIC_ROOT = IMON_HOME / "static"
# Static files are served straight from the package; `imon collectstatic` is optional.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at: .*static")
MEDIA_ROOT = IMON_HOME / "uploads"
MEDIA_URL = "media/"

LOGIN_URL = "login"  # the staff login page (the admin keeps its own)

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts anywhere; inline styles are allowed for the Django admin's layout.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Login throttling (imon.ops.throttle): failures per user name / per address within the lock time.
IMON_LOGIN_MAX_FAILURES = int(os.environ.get("IMON_LOGIN_MAX_FAILURES", "5"))
IMON_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("IMON_LOGIN_MAX_FAILURES_PER_IP", "20"))
IMON_LOGIN_LOCK_MINUTES = int(os.environ.get("IMON_LOGIN_LOCK_MINUTES", "15"))
AUTHENTICATION_BACKENDS = ["imon.ops.throttle.ThrottledModelBackend"]
# Second factor (TOTP): mandatory for every account that can change or publish data (administrators, the
# office, reviewers, field-of-action editors, measure owners, anyone with a permission to add, change or
# delete); "0" makes it optional for everybody. (IMON_TOTP_REQUIRED_FOR_ADMINS=1 of earlier versions: now
# the default.)
IMON_TOTP_REQUIRED = env_bool("IMON_TOTP_REQUIRED", True)
IMON_TRUSTED_PROXY = os.environ.get("IMON_TRUSTED_PROXY", "").strip()
if env_bool("IMON_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # X-Forwarded-Proto is believed only from the proxy named in IMON_TRUSTED_PROXY (`imon serve` lets
    # waitress's proxy-header code apply it); from anybody else it would let a client pose as HTTPS.
    if IMON_TRUSTED_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Statistical confidentiality: published counts from 1 to IMON_MIN_COUNT - 1 are blocked.
IMON_MIN_COUNT = int(os.environ.get("IMON_MIN_COUNT", "3"))
# Optional stricter minimum count for quarters (Stadtteile) and statistical areas; empty: none.
IMON_SMALL_AREA_MIN_COUNT = int(os.environ.get("IMON_SMALL_AREA_MIN_COUNT") or 0) or None

# Largest statistics file that can be imported, in MB (IMON_IMPORT_MAX_MB).
IMON_IMPORT_MAX_MB = int(os.environ.get("IMON_IMPORT_MAX_MB", "200"))

# The offices' web services (`imon fetch`): GENESIS-Online, the Regionaldatenbank and the Zensus 2022
# database share one interface (version 2020) at different base URLs. The credentials (IMON_GENESIS_TOKEN
# or IMON_GENESIS_USER and IMON_GENESIS_PASSWORD, likewise REGIO and ZENSUS) are read from the environment
# or from the file IMON_FETCH_CREDENTIALS when a fetch runs; they are never stored in the database.
IMON_GENESIS_URL = os.environ.get("IMON_GENESIS_URL", "https://www-genesis.destatis.de/genesisWS/rest/2020/")
IMON_REGIO_URL = os.environ.get("IMON_REGIO_URL", "https://www.regionalstatistik.de/genesisws/rest/2020/")
IMON_ZENSUS_URL = os.environ.get("IMON_ZENSUS_URL", "https://ergebnisse.zensus2022.de/api/rest/2020/")
IMON_FETCH_CREDENTIALS = os.environ.get("IMON_FETCH_CREDENTIALS", "")
# Seconds to wait for an answer, and tries before a fetch gives up (with growing pauses between them).
IMON_FETCH_TIMEOUT = float(os.environ.get("IMON_FETCH_TIMEOUT", "120"))
IMON_FETCH_TRIES = int(os.environ.get("IMON_FETCH_TRIES", "4"))

# E-mail for reporting-cycle tasks and reminders; the console backend prints them (IMON_EMAIL_BACKEND).
EMAIL_BACKEND = os.environ.get("IMON_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("IMON_DEFAULT_FROM_EMAIL", "integrationsmonitor@localhost")
