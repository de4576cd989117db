"""YAML reading and writing for concept files, with predictable types.

PyYAML follows YAML 1.1, which reads `05316000` as an octal number, `9:30` as
a sexagesimal number and `no` as false. For files that municipal staff edit by
hand we resolve only YAML 1.2 core types: decimal integers, decimals (read as
`Decimal`, never float), `true`/`false`, `null`/`~` and ISO dates. A date that
does not exist (`2019-02-30`) stays text, so validation can name it.
"""

import datetime
import re
from decimal import Decimal

import yaml

try:  # libyaml's C implementation, where PyYAML was built with it
    from yaml import CSafeDumper as _BaseDumper
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class Loader(_BaseLoader):
    pass


Loader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$",
        list("-+0123456789."),
    ),
    ("tag:yaml.org,2002:timestamp", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", list("0123456789")),
]
for _tag, _pattern, _first in _RESOLVERS:
    Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_decimal(loader, node):
    return Decimal(loader.construct_scalar(node))


def _construct_date(loader, node):
    text = loader.construct_scalar(node)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return text


Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


class Dumper(_BaseDumper):
    """Writes block style and keeps key order."""


def decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _represent_decimal(dumper, value):
    text = decimal_text(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_dict(dumper, value):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


def _represent_str(dumper, value):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


Dumper.add_representer(Decimal, _represent_decimal)
Dumper.add_representer(dict, _represent_dict)
Dumper.add_representer(str, _represent_str)


def load(stream):
    return yaml.load(stream, Loader=Loader)


def dump(data, stream=None):
    return yaml.dump(
        data, stream, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )


# --- Fast path for long lists of one-line flow mappings -------------------------------
#
# PyYAML builds Python objects in Python code even with libyaml, at roughly
# 1 MB/s: a concept file with 200,000 observations would take half a minute to
# parse. Observations are written one per line as flow mappings
# (`- {indicator: x, area: '05316000', date: 2018-12-31, value: 627}`), a
# subset of YAML that a small scanner reads about twenty times faster. Anything
# outside that subset (comments after an entry, entries over several lines,
# unusual escapes) makes the whole section fall back to PyYAML, so the result
# is always the same as `load`.

_PLAIN_TYPES = [(re.compile(pattern), tag) for tag, pattern, _first in _RESOLVERS]


def resolve_plain(text: str):
    """The value of an unquoted scalar, by the same rules as `Loader`."""
    for pattern, tag in _PLAIN_TYPES:
        if pattern.match(text):
            if tag.endswith(":bool"):
                return text.lower() == "true"
            if tag.endswith(":null"):
                return None
            if tag.endswith(":int"):
                return int(text)
            if tag.endswith(":float"):
                return Decimal(text)
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                return text
    return text


class _NotSimple(Exception):
    pass


_PLAIN_END = re.compile(r"[,}\]{\[]|: |:$| #")


def _scan_scalar(line: str, i: int):
    char = line[i]
    if char == "'":
        out, i = [], i + 1
        while True:
            j = line.find("'", i)
            if j < 0:
                raise _NotSimple
            out.append(line[i:j])
            if line.startswith("''", j):
                out.append("'")
                i = j + 2
            else:
                return "".join(out), j + 1
    if char == '"':
        j = i + 1
        while True:
            j = line.find('"', j)
            if j < 0:
                raise _NotSimple
            backslashes = len(line[i + 1 : j]) - len(line[i + 1 : j].rstrip("\\"))
            if backslashes % 2 == 0:
                break
            j += 1
        raw = line[i + 1 : j]
        if "\\" in raw:
            raise _NotSimple  # escapes: leave them to PyYAML
        return raw, j + 1
    if char in "[{&*!|>%@`#":
        raise _NotSimple
    match = _PLAIN_END.search(line, i)
    end = match.start() if match else len(line)
    text = line[i:end].rstrip()
    if not text:
        raise _NotSimple
    return resolve_plain(text), end


def _scan_mapping(line: str, i: int):
    """Scan `{key: value, ...}` starting at line[i] == "{"; returns (dict, next index)."""
    result: dict[str, object] = {}
    i += 1
    while True:
        while i < len(line) and line[i] == " ":
            i += 1
        if i >= len(line):
            raise _NotSimple
        if line[i] == "}":
            return result, i + 1
        key, i = _scan_scalar(line, i)
        if not line.startswith(": ", i):
            raise _NotSimple
        i += 2
        while line[i] == " ":
            i += 1
        if line[i] == "{":
            value, i = _scan_mapping(line, i)
        else:
            value, i = _scan_scalar(line, i)
        if not isinstance(key, str) or key in result:
            raise _NotSimple
        result[key] = value
        while i < len(line) and line[i] == " ":
            i += 1
        if i < len(line) and line[i] == ",":
            i += 1
        elif i >= len(line) or line[i] != "}":
            raise _NotSimple


def _scan_rows(lines: list[str]):
    rows = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not stripped.startswith("- {") or line[0] not in "- ":
            raise _NotSimple
        row, end = _scan_mapping(stripped, 2)
        if stripped[end:].strip():
            raise _NotSimple
        rows.append(row)
    return rows


def load_document(text: str, fast_lists=("observations",)):
    """Like `load` for a whole document, reading the named top-level lists by the fast path.

    Lines of a fast list are blanked in the rest of the document, so that line
    numbers in PyYAML's error messages stay those of the file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    fast: dict[str, list[str]] = {}
    rest: list[str] = []
    order: list[str] = []
    current = None
    for line in lines:
        if line[:1] not in ("", " ", "-", "#"):
            name = line.split(":", 1)[0]
            order.append(name)
            current = name if name in fast_lists and line.rstrip() == f"{name}:" else None
            if current:
                fast[current] = []
                rest.append("")
                continue
        if current:
            fast[current].append(line)
            rest.append("")
        else:
            rest.append(line)
    if not fast:
        return load(text)
    data = load("\n".join(rest))
    if not isinstance(data, dict):
        return load(text)
    try:
        for name, block in fast.items():
            data[name] = _scan_rows(block)
    except (_NotSimple, IndexError, ValueError):
        return load(text)
    return {k: data[k] for k in order if k in data}


_SAFE_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def scalar_text(value) -> str:
    """A scalar as flow-context YAML that every YAML reader reads back as the same value."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if _SAFE_PLAIN.fullmatch(value) and value.lower() not in _YAML11_WORDS:
        return value
    if value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return '"' + "".join(_escape(c) for c in value) + '"'


def _escape(char: str) -> str:
    if char == '"' or char == "\\":
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def flow_line(row: dict) -> str:
    parts = []
    for key, value in row.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{scalar_text(k)}: {scalar_text(v)}" for k, v in value.items())
            parts.append(f"{scalar_text(key)}: {{{inner}}}")
        else:
            parts.append(f"{scalar_text(key)}: {scalar_text(value)}")
    return "- {" + ", ".join(parts) + "}\n"


def dump_document(data: dict, stream, fast_lists=("observations",)):
    """Write `data`; the named top-level lists of flat mappings go last, one flow mapping per line."""
    head = {k: v for k, v in data.items() if k not in fast_lists}
    dump(head, stream)
    for name in fast_lists:
        if name in data:
            if not data[name]:
                stream.write(f"{name}: []\n")
                continue
            stream.write(f"{name}:\n")
            for row in data[name]:
                stream.write(flow_line(row))
