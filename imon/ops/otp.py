"""Time-based one-time passwords (TOTP, RFC 6238) as a second factor, in plain functions.

Compatible with the usual authenticator apps: HMAC-SHA1, 6 digits, 30-second steps, a base32 secret.
Written out (about 30 lines, checked against the RFC's test values) instead of adding a dependency."""

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Codes of the previous and the next step are accepted too (clocks of phones drift).
TOLERANCE_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 as authenticator apps expect (32 characters)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def step_of(timestamp: float) -> int:
    return int(timestamp) // STEP_SECONDS


def code_at(secret: str, step: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def matching_step(secret: str, code: str, timestamp: float, last_step: int | None = None) -> int | None:
    """The step whose code `code` is (within the tolerance), or None. A step at or before `last_step`
    (already used) is refused, so that a code cannot be used twice."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != DIGITS:
        return None
    now = step_of(timestamp)
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Integrationsmonitor") -> str:
    """The otpauth:// address that authenticator apps read (typed in or as QR code)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
