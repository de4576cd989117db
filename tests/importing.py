"""Helpers for import tests: write a file, plan and apply it as `imon import` does."""

from imon.core import imports
from imon.core.importers import parse_bytes


def plan_for(path, fmt="auto", indicator=None, replace=False):
    data = path.read_bytes()
    return imports.plan_import(
        parse_bytes(data, path.name, fmt, indicator), path.name, imports.sha256_of(data), replace
    )


def write_csv(path, lines, encoding="utf-8-sig"):
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def gefluechtete_2019(insgesamt=4900, a=630, b=3920, c=350, a_b=None):
    a_b = a + b if a_b is None else a_b
    return [
        "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert",
        f"gefluechtete;05316000;31.12.2019;insgesamt;{insgesamt}",
        f"gefluechtete;05316000;31.12.2019;a_b;{a_b}",
        f"gefluechtete;05316000;31.12.2019;a;{a}",
        f"gefluechtete;05316000;31.12.2019;b;{b}",
        f"gefluechtete;05316000;31.12.2019;c;{c}",
    ]
