"""The JSON that `imon export-data --format json` writes, read back for the long-format reader."""

from django.utils.translation import gettext as _

from .parsed import ImportFileError


def read_json(text: str, size: list | None = None):
    """Rows of the JSON that `imon export-data --format json` writes ({"columns": [...],
    "observations": [{column: value}, ...]}), as (number, cells) for the long-format reader;
    the number is the observation's place, counted from 1."""
    import json

    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("The JSON file is damaged or truncated (line %(line)s, column %(column)s).")
            % {"line": exc.lineno, "column": exc.colno}
        ) from None
    columns = payload.get("columns") if isinstance(payload, dict) else None
    observations = payload.get("observations") if isinstance(payload, dict) else None
    if not isinstance(columns, list) or not isinstance(observations, list):
        raise ImportFileError(
            _("A JSON file must hold 'columns' and 'observations', as imon export-data writes it.")
        )
    if size is not None:
        size.append(len(observations))
    yield 0, [str(c) for c in columns]
    for number, observation in enumerate(observations, start=1):
        if not isinstance(observation, dict):
            raise ImportFileError(
                _("Observation %(number)s of the JSON file is not an object.") % {"number": number}
            )
        # Keys the columns do not name follow as extra cells, which the reader refuses.
        extra = [str(v) for k, v in observation.items() if k not in columns and v not in (None, "")]
        yield number, ["" if observation.get(c) is None else str(observation.get(c)) for c in columns] + extra
