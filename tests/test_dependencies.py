"""requirements.lock pins every dependency pyproject.toml names, within its range (bin/lock writes it)."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return [Requirement(line) for line in lines]


def pinned(text: str) -> dict[str, set[str]]:
    """Package name -> the versions the lock pins (one per marker, usually one)."""
    pins: dict[str, set[str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", line
            pins.setdefault(canonicalize_name(requirement.name), set()).add(spec.version)
    return pins


def out_of_date(requirements: list[Requirement], pins: dict[str, set[str]]) -> list[str]:
    problems = []
    for requirement in requirements:
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is not in requirements.lock")
        elif not all(requirement.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(
                f"requirements.lock pins {requirement.name} {versions}, outside {requirement.specifier}"
            )
    return problems


def test_lock_pins_every_dependency_within_its_range():
    problems = out_of_date(declared(), pinned((ROOT / "requirements.lock").read_text(encoding="utf-8")))
    assert not problems, "Run bin/lock after changing pyproject.toml:\n" + "\n".join(problems)


def test_a_new_or_narrowed_dependency_is_found():
    pins = pinned("django==5.2.19\n    # via integrationsmonitor\nnumpy==2.4.6 ; python_version >= '3.11'\n")
    assert out_of_date([Requirement("Django>=5.2,<5.3"), Requirement("numpy>=2.4,<3")], pins) == []
    assert out_of_date([Requirement("gunicorn>=23,<24")], pins) == ["gunicorn is not in requirements.lock"]
    assert out_of_date([Requirement("Django>=6.0,<6.1")], pins) == [
        "requirements.lock pins Django {'5.2.19'}, outside <6.1,>=6.0"
    ]
