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

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Loader(_BaseLoader):
    pass


Loader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", list("-+0123456789.")),
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
    """Writes block style, keeps key order, and puts `Row` mappings on one line."""


class Row(dict):
    """A mapping written in flow style on one line (used for observations)."""


def decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _represent_decimal(dumper, value):
    text = decimal_text(value)
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_row(dumper, value):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _represent_dict(dumper, value):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


def _represent_str(dumper, value):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


Dumper.add_representer(Decimal, _represent_decimal)
Dumper.add_representer(Row, _represent_row)
Dumper.add_representer(dict, _represent_dict)
Dumper.add_representer(str, _represent_str)


def load(stream):
    return yaml.load(stream, Loader=Loader)


def dump(data, stream=None):
    return yaml.dump(
        data, stream, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
