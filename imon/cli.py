"""The `imon` command: Django's management commands behind one entry point.

Command names may be written with hyphens (`imon load-concept`), which map to
the management command modules with underscores (`load_concept`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    translate_argparse()

    try:
        execute_from_command_line(argv)
    except Exception as error:
        from imon.ops import faults

        if not (faults.database_unavailable(error) or faults.schema_outdated(error)) or "--traceback" in argv:
            raise
        from django.conf import settings
        from django.utils import translation

        translation.activate(settings.LANGUAGE_CODE)
        sys.stderr.write(faults.cli_message(error) + "\n")
        sys.exit(faults.EXIT_DATABASE_UNAVAILABLE)


def gettext_noop(message: str) -> str:
    """Marks a text for the translation catalog (as Django's, which needs the settings)."""
    return message


# argparse's own words (usage, help headings, errors) as the translation catalog knows them.
ARGPARSE_MESSAGES = (
    gettext_noop("usage: "),
    gettext_noop("positional arguments"),
    gettext_noop("options"),
    gettext_noop("show this help message and exit"),
    gettext_noop("argument %(argument_name)s: %(message)s"),
    gettext_noop("unrecognized arguments: %s"),
    gettext_noop("the following arguments are required: %s"),
    gettext_noop("expected one argument"),
    gettext_noop("invalid %(type)s value: %(value)r"),
    gettext_noop("invalid choice: %(value)r (choose from %(choices)s)"),
    gettext_noop("ambiguous option: %(option)s could match %(matches)s"),
    gettext_noop("not allowed with argument %s"),
    gettext_noop("%(prog)s: error: %(message)s\n"),
)


def translate_argparse() -> None:
    """argparse asks Python's own gettext catalog, which has no German; hand it Django's, so a
    mistyped option gets a German message like everything else. Before Django is set up
    (a mistake among the very first arguments) the English text stays."""
    import argparse

    from django.core.exceptions import AppRegistryNotReady
    from django.utils import translation

    def gettext(message):
        try:
            return translation.gettext(message)
        except AppRegistryNotReady:
            return message

    def ngettext(singular, plural, n):
        try:
            return translation.ngettext(singular, plural, n)
        except AppRegistryNotReady:
            return singular if n == 1 else plural

    argparse._ = gettext
    argparse.ngettext = ngettext


if __name__ == "__main__":
    main()
