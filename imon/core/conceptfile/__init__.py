"""The concept file: a whole integration concept with its data, as YAML.

Three plain steps, each usable on its own:

* `validate(data)` checks a parsed file without touching the database and
  returns every problem as a `Problem` naming its path inside the file
  (`measures[3].status: 'fertig' ist kein gültiger Status.`).
* `load(data)` writes a valid file atomically, updating records by key; records
  that the database has and the file lacks are left alone.
* `dump(concept)` returns the current state in the same format, so that dump →
  load into an empty database → dump gives an identical file.

The package follows these steps: `schema` (sections and fields), `validate`, `load` (with
`read`, the YAML parsing) and `dump`. The format is documented in docs/concept-file.md.
"""

from .dump import dump, dump_text
from .load import LoadStats, load, load_text, read
from .schema import FORMAT_VERSION, OBSERVATION_FIELDS, SCHEMA, ConceptFileError, Problem
from .validate import validate

__all__ = [
    "FORMAT_VERSION",
    "OBSERVATION_FIELDS",
    "SCHEMA",
    "ConceptFileError",
    "LoadStats",
    "Problem",
    "dump",
    "dump_text",
    "load",
    "load_text",
    "read",
    "validate",
]
