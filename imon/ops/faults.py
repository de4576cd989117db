"""Faults of the surroundings (the database cannot be reached), told in German without a stack trace."""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

# Exit code of `imon` when the database cannot be reached.
EXIT_DATABASE_UNAVAILABLE = 3


def database_unavailable(error: BaseException | None) -> bool:
    """Whether an error means the database cannot be reached (as opposed to a bug or a constraint)."""
    return isinstance(error, (OperationalError, InterfaceError))


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cli_message(error: BaseException) -> str:
    return _(
        "The database cannot be reached (%(detail)s). Check that the database server is running and that "
        "IMON_DATABASE_URL is right; nothing has been changed."
    ) % {"detail": first_line(error)}
