"""Faults of the surroundings (the database cannot be reached), told in German without a stack trace."""

from django.db import InterfaceError, OperationalError, ProgrammingError
from django.utils.translation import gettext as _

# Exit code of `imon` when the database cannot be reached or is not migrated to this version.
EXIT_DATABASE_UNAVAILABLE = 3


def database_unavailable(error: BaseException | None) -> bool:
    """Whether an error means the database cannot be reached (as opposed to a bug or a constraint)."""
    return isinstance(error, (OperationalError, InterfaceError))


def schema_outdated(error: BaseException | None) -> bool:
    """Whether an error means the database lacks a table or column of this version: the program was
    updated and `imon migrate` has not run yet (SQLite: "no such column"; PostgreSQL: "column … does
    not exist")."""
    text = str(error or "").lower()
    return isinstance(error, (OperationalError, ProgrammingError)) and (
        "no such column" in text
        or "no such table" in text
        or ("does not exist" in text and ("column" in text or "relation" in text))
    )


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cli_message(error: BaseException) -> str:
    if schema_outdated(error):
        return _(
            "The database is not yet set up for this version of the program (%(detail)s). Run "
            "'imon migrate' and try again; nothing has been changed."
        ) % {"detail": first_line(error)}
    return _(
        "The database cannot be reached (%(detail)s). Check that the database server is running and that "
        "IMON_DATABASE_URL is right; nothing has been changed."
    ) % {"detail": first_line(error)}
