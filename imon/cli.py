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

    try:
        execute_from_command_line(argv)
    except Exception as error:
        from imon.ops import faults

        if not faults.database_unavailable(error) or "--traceback" in argv:
            raise
        from django.conf import settings
        from django.utils import translation

        translation.activate(settings.LANGUAGE_CODE)
        sys.stderr.write(faults.cli_message(error) + "\n")
        sys.exit(faults.EXIT_DATABASE_UNAVAILABLE)


if __name__ == "__main__":
    main()
