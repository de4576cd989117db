"""The words a municipality uses for its own office, council and concept levels.

Every template, message and report takes these words from here instead of one city's wording.
A concept that states nothing gets neutral German defaults. `from_document` reads a concept file
document (a snapshot or its public form), `vocabulary` a stored concept.
"""

from dataclasses import dataclass

# Neutral German words for a concept that does not name its own.
DEFAULTS = {
    "office_name": "Integrationsstelle",
    "office_short_name": "",
    "council_name": "Rat",
    "document_name": "Vorlage",
    "field_of_action_name": "Handlungsfeld",
    "field_of_action_name_plural": "Handlungsfelder",
    "goal_name": "Ziel",
    "goal_name_plural": "Ziele",
    "approving_body": "Lenkungsgremium",
}


@dataclass(frozen=True)
class Vocabulary:
    office: str  # "Kommunales Integrationszentrum"
    office_short: str  # "KI"; the full name where the concept gives no short name
    council: str  # "Rat", "Kreistag", "Stadtverordnetenversammlung"
    document: str  # what the council's papers are called: "Vorlage", "Drucksache"
    field: str  # "Handlungsfeld"
    fields: str  # "Handlungsfelder"
    goal: str  # "Ziel"
    goals: str  # "Ziele"
    approving_body: str  # the name of the body approving reporting cycles


def _word(given: dict, name: str) -> str:
    return (given.get(name) or "").strip() or DEFAULTS[name]


def from_document(document: dict) -> Vocabulary:
    """The vocabulary of a concept file document: `municipality`, `concept` and `bodies`."""
    municipality = document.get("municipality") or {}
    concept = document.get("concept") or {}
    bodies = {b.get("key"): b.get("name") for b in document.get("bodies") or []}
    office = _word(municipality, "office_name")
    field = _word(concept, "field_of_action_name")
    goal = _word(concept, "goal_name")
    return Vocabulary(
        office=office,
        office_short=(municipality.get("office_short_name") or "").strip() or office,
        council=_word(municipality, "council_name"),
        document=_word(municipality, "document_name"),
        field=field,
        fields=(concept.get("field_of_action_name_plural") or "").strip()
        or (DEFAULTS["field_of_action_name_plural"] if field == DEFAULTS["field_of_action_name"] else field),
        goal=goal,
        goals=(concept.get("goal_name_plural") or "").strip()
        or (DEFAULTS["goal_name_plural"] if goal == DEFAULTS["goal_name"] else goal),
        approving_body=bodies.get(concept.get("approving_body")) or DEFAULTS["approving_body"],
    )


def vocabulary(concept=None) -> Vocabulary:
    """The vocabulary of a stored concept (the only one, if none is given; defaults without one)."""
    from . import models as m

    if concept is None:
        concept = m.Concept.objects.select_related("municipality", "approving_body").order_by("pk").first()
    if concept is None:
        return from_document({})
    municipality = concept.municipality
    body = concept.approving_body
    return from_document(
        {
            "municipality": {
                name: getattr(municipality, name)
                for name in ("office_name", "office_short_name", "council_name", "document_name")
            },
            "concept": {
                "field_of_action_name": concept.field_of_action_name,
                "field_of_action_name_plural": concept.field_of_action_name_plural,
                "goal_name": concept.goal_name,
                "goal_name_plural": concept.goal_name_plural,
                "approving_body": body.key if body else None,
            },
            "bodies": [{"key": body.key, "name": body.name}] if body else [],
        }
    )
