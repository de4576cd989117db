"""Concept editions (Fortschreibungen) in a concept document (the concept-file form that snapshots
hold): which edition is current, which records it carried over, added and retired.

A document lists its editions under `concept.editions`, oldest first; fields of action, goals and
measures name the edition they entered with (`since`, default: the first) and the one that retired
them (`retired`). Reports and the portal show the current records and say which edition they show.
"""

from dataclasses import dataclass, field

SECTIONS = ("fields_of_action", "goals", "measures")


@dataclass
class Changes:
    """What the current edition changed against the one before, per section: added and retired records."""

    edition: dict
    previous: dict
    added: dict[str, list[dict]] = field(default_factory=dict)
    retired: dict[str, list[dict]] = field(default_factory=dict)
    carried_over: dict[str, int] = field(default_factory=dict)


def current(document: dict) -> dict | None:
    """The current edition (the last), or None for a concept without editions."""
    editions = document.get("concept", {}).get("editions") or []
    return editions[-1] if editions else None


def split_retired(document: dict) -> None:
    """Move the retired records of the sections into `document["retired"]` (same sections), so
    that every reader of the document sees the current concept only."""
    retired: dict[str, list[dict]] = {}
    for section in SECTIONS:
        records = document.get(section) or []
        retired[section] = [r for r in records if r.get("retired")]
        document[section] = [r for r in records if not r.get("retired")]
    if any(retired.values()):
        document["retired"] = retired


def changes(document: dict) -> Changes | None:
    """The changes of the current edition; None while the concept has only one edition (or none)."""
    editions = document.get("concept", {}).get("editions") or []
    if len(editions) < 2:
        return None
    latest, first = editions[-1], editions[0]
    result = Changes(edition=latest, previous=editions[-2])
    retired = document.get("retired") or {}
    for section in SECTIONS:
        records = document.get(section) or []
        result.added[section] = [r for r in records if r.get("since") == latest["key"]]
        result.carried_over[section] = sum(
            1 for r in records if r.get("since", first["key"]) != latest["key"]
        )
        result.retired[section] = [r for r in retired.get(section, []) if r.get("retired") == latest["key"]]
    return result
