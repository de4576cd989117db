"""Writing one audit event: `record()`, the one way into the audit log, and what it needs of the request.

Its own module so that the audit log's receivers (audit.py) and the login lock (throttle.py), which use each other,
both build on it without importing each other."""

import contextvars
import getpass
import logging

from django.db import DatabaseError

logger = logging.getLogger("imon.audit")

# The request being handled, so that events raised by model signals (role changes) name who acted.
current_request = contextvars.ContextVar("imon_audit_request", default=None)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def record(kind: str, request=None, user=None, username: str = "", path: str = "", detail: str = ""):
    """Write one audit event; never let a failing audit write break the action it describes."""
    from .models import AuditEvent

    if request is None and user is None and not username:
        request = current_request.get()
    if (
        user is None
        and request is not None
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
    ):
        user = request.user
    if user is not None and not username:
        username = user.get_username()
    if request is not None and not path:
        path = f"{request.method} {request.get_full_path()}"
    if request is None and user is None and not username:
        username = f"({getpass.getuser()})"  # a command run on the server: the operating-system user
    try:
        return AuditEvent.objects.create(
            kind=kind,
            user=user if user is not None and user.pk else None,
            username=username[:150],
            ip=client_ip(request),
            path=path[:500],
            detail=detail,
        )
    except DatabaseError:
        logger.exception("audit event %s for %s could not be stored", kind, username)
        return None
