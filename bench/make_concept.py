"""A synthetic but realistic concept file for the load benchmark.

`make_concept()` returns a concept as a Python dict in the concept-file format
(see imon/core/conceptfile/schema.py): a municipality, a tree of areas (Germany, one
state, one city, 3 city districts, 50 quarters), the concept, fields of action
A–H, strategic goals, goals, measures with next steps and controlling figures,
bodies, meetings, sources, contact points, dimensions, indicators and exactly
the requested number of observations. The same seed always gives the same data.

`write_concept(path, **kw)` writes it the way `imon dump-concept` does (one
observation per line in flow style).

    .venv/bin/python bench/make_concept.py OUT.yaml [--observations N] [--seed S] [--validate]
"""

import argparse
import bisect
import datetime
import random
import sys
from decimal import Decimal

# --- Vocabulary -----------------------------------------------------------------------

FIELDS = [
    ("A", "Sprache und Sprachförderung"),
    ("B", "Erziehung und Bildung"),
    ("C", "Qualifizierung, Ausbildung und Arbeit"),
    ("D", "Wohnen und Unterbringung"),
    ("E", "Gesundheit"),
    ("F", "Bürgerschaftliches Engagement, Freizeit, Kultur und Sport"),
    ("G", "Interkultureller und interreligiöser Dialog"),
    ("H", "Altern in der Migrationsgesellschaft"),
]
# Extra codes (A1, B1, …) if more than eight fields are asked for.
TOPICS = [
    "Sprachkurse",
    "Kita-Plätze",
    "Elternarbeit",
    "Ausbildungsplätze",
    "Anerkennung von Abschlüssen",
    "Wohnraum",
    "Quartiersarbeit",
    "Gesundheitsberatung",
    "Ehrenamt",
    "Sportvereine",
    "Dialogforen",
    "Seniorenberatung",
    "Schulsozialarbeit",
    "Beratungsangebote",
    "Dolmetscherpool",
    "Migrantenorganisationen",
    "interkulturelle Öffnung",
    "Berufsorientierung",
    "Frühe Hilfen",
    "Pflege",
]
ACTIONS = [
    "ausbauen",
    "verstetigen",
    "bekannt machen",
    "evaluieren",
    "vernetzen",
    "weiterentwickeln",
    "niedrigschwellig anbieten",
    "in den Quartieren verankern",
    "mehrsprachig aufbereiten",
    "erproben",
]
UNITS = [
    "Kommunales Integrationszentrum",
    "Fachbereich Soziales",
    "Fachbereich Schulen",
    "Fachbereich Kinder und Jugend",
    "Jobcenter",
    "Gesundheitsamt",
    "Fachbereich Stadtplanung",
    "Ausländerbehörde",
    "Volkshochschule",
    "Sportamt",
]
PARTNERS = [
    "Caritas",
    "Diakonie",
    "AWO",
    "DRK",
    "Integrationsrat",
    "Migrantenorganisationen",
    "IHK",
    "Handwerkskammer",
]
PROGRAMMES = [
    "KOMM-AN NRW",
    "Kommunales Integrationsmanagement NRW",
    "Gemeinsam klappt's",
    "ESF Plus",
    "BAMF-Integrationskurse",
    "",
]
MEASURE_STATUS = [
    "planned",
    "preparing",
    "in_progress",
    "in_progress",
    "in_progress",
    "delayed",
    "completed",
    "established",
    "on_hold",
    "unknown",
]
BODY_KINDS = [
    "staff_unit",
    "controlling_group",
    "expert_group",
    "executive_board",
    "council_committee",
    "working_group",
    "conference",
    "other",
]
QUARTER_STEMS = [
    "Linden",
    "Eichen",
    "Buchen",
    "Birken",
    "Ahorn",
    "Ulmen",
    "Erlen",
    "Tannen",
    "Rosen",
    "Wiesen",
    "Berg",
    "Tal",
    "Bach",
    "Brunnen",
    "Mühlen",
    "Kirch",
    "Burg",
    "Feld",
    "Stein",
    "Sonnen",
    "Hasen",
    "Fuchs",
    "Kranich",
    "Schwanen",
    "Bären",
    "Heide",
    "Moor",
    "Sand",
    "Holz",
    "Weiden",
]
QUARTER_ENDINGS = ["dorf", "heim", "hausen", "feld", "berg", "au", "rath", "kirchen", "bruch", "hof"]
POPULATION_CONCEPTS = [
    "total_population",
    "foreign_register",
    "foreign_or_dual",
    "migration_background",
    "refugees",
    "newcomers",
]
LANGUAGES = [
    "Deutsch",
    "Englisch",
    "Arabisch",
    "Türkisch",
    "Russisch",
    "Ukrainisch",
    "Polnisch",
    "Farsi",
    "Französisch",
]

DIMENSIONS = [
    {
        "key": "altersgruppe",
        "label": "Altersgruppe",
        "values": [
            {"key": "insgesamt", "label": "Insgesamt", "total": True},
            {"key": "unter-18", "label": "unter 18 Jahre"},
            {"key": "18-27", "label": "18 bis unter 28 Jahre"},
            {"key": "28-44", "label": "28 bis unter 45 Jahre"},
            {"key": "45-64", "label": "45 bis unter 65 Jahre"},
            {"key": "65plus", "label": "65 Jahre und älter"},
        ],
    },
    {
        "key": "geschlecht",
        "label": "Geschlecht",
        "values": [
            {"key": "insgesamt", "label": "Insgesamt", "total": True},
            {"key": "maennlich", "label": "männlich"},
            {"key": "weiblich", "label": "weiblich"},
        ],
    },
    {
        "key": "staatsangehoerigkeit",
        "label": "Staatsangehörigkeit",
        "values": [
            {"key": "insgesamt", "label": "Insgesamt", "total": True},
            {"key": "deutsch", "label": "deutsch"},
            {"key": "auslaendisch", "label": "ausländisch"},
        ],
    },
]
# Share of the total that each dimension value stands for (for plausible counts).
DIM_SHARE = {
    "altersgruppe": {
        "insgesamt": 1.0,
        "unter-18": 0.17,
        "18-27": 0.11,
        "28-44": 0.24,
        "45-64": 0.27,
        "65plus": 0.21,
    },
    "geschlecht": {"insgesamt": 1.0, "maennlich": 0.49, "weiblich": 0.51},
    "staatsangehoerigkeit": {"insgesamt": 1.0, "deutsch": 0.85, "auslaendisch": 0.15},
}
# Breakdowns used by indicators, with weights: most have none, some one or two dimensions.
BREAKDOWNS = [
    ((), 40),
    (("altersgruppe",), 22),
    (("geschlecht",), 15),
    (("staatsangehoerigkeit",), 8),
    (("altersgruppe", "geschlecht"), 10),
    (("geschlecht", "staatsangehoerigkeit"), 5),
]

LAST_YEAR = 2023
FILL = 0.8  # share of possible observation keys actually present


def _slug(text: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", " ": "-"}
    )
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum() or ch == "-")


def _money(rng, low, high) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _date(rng, start: datetime.date, days: int) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(days))


def _paragraph(rng, words, sentences=(1, 3)) -> str:
    lines = []
    for _ in range(rng.randint(*sentences)):
        topic, action = rng.choice(words), rng.choice(ACTIONS)
        lines.append(
            f"{topic} gemeinsam mit {rng.choice(PARTNERS)} {action}; Zielgruppe sind Neuzugewanderte und Familien im Quartier."
        )
    return "\n".join(lines) + "\n"


# --- The generator --------------------------------------------------------------------


def make_concept(fields=8, measures=300, indicators=100, observations=200_000, seed=1) -> dict:
    rng = random.Random(seed)
    areas, quarters, population = _areas(rng)
    field_list = _fields_of_action(rng, fields)
    codes = [f["code"] for f in field_list]
    strategic = _strategic_goals(rng, codes)
    sources = _sources(rng)
    indicator_list, ind_meta = _indicators(rng, indicators, sources, codes)
    ind_keys = [r["key"] for r in indicator_list]
    goals = _goals(rng, codes, ind_keys, strategic)
    measure_list = _measures(rng, measures, codes, goals, strategic, ind_keys)
    bodies = _bodies(rng)
    meetings = _meetings(rng, [b["key"] for b in bodies])
    contact_points = _contact_points(rng, quarters, codes)
    observation_list = _observations(
        rng, observations, ind_keys, ind_meta, [a["key"] for a in areas], population
    )

    return {
        "format_version": 1,
        "municipality": {
            "key": "musterstadt",
            "name": "Stadt Musterstadt",
            "ags": "05399000",
            "ars": "053990000000",
            "state": "Nordrhein-Westfalen",
            "website": "https://www.example.org",
            "note": "Synthetische Benchmark-Daten; alle Zahlen sind erfunden.",
        },
        "areas": areas,
        "concept": {
            "key": "ik-musterstadt-2020",
            "title": "Gesamtstädtisches Integrationskonzept der Stadt Musterstadt",
            "status": "adopted",
            "resolution_date": datetime.date(2020, 6, 22),
            "resolution_reference": "2020/0815",
            "valid_from": datetime.date(2020, 7, 1),
            "valid_until": datetime.date(2027, 12, 31),
            "summary": _paragraph(rng, TOPICS, (3, 5)),
        },
        "fields_of_action": field_list,
        "strategic_goals": strategic,
        "sources": sources,
        "dimensions": DIMENSIONS,
        "indicators": indicator_list,
        "goals": goals,
        "measures": measure_list,
        "bodies": bodies,
        "meetings": meetings,
        "contact_points": contact_points,
        "observations": observation_list,
    }


def _areas(rng) -> tuple[list, list, dict]:
    """Germany > state > city > 3 districts > 50 quarters; (areas, quarter keys, population by area)."""
    areas = [
        {"key": "DG", "name": "Deutschland", "kind": "country", "code": "DG", "comparison": True},
        {
            "key": "05",
            "name": "Nordrhein-Westfalen",
            "kind": "state",
            "code": "05",
            "parent": "DG",
            "comparison": True,
        },
        {"key": "05399000", "name": "Musterstadt", "kind": "county", "code": "05399000", "parent": "05"},
    ]
    districts = []
    for i, roman in enumerate(["I", "II", "III"], start=1):
        key = f"bezirk-{i}"
        districts.append(key)
        areas.append(
            {
                "key": key,
                "name": f"Stadtbezirk {roman}",
                "kind": "city_district",
                "code": roman,
                "parent": "05399000",
            }
        )
    names = sorted({s + e for s in QUARTER_STEMS for e in QUARTER_ENDINGS})
    quarter_names = rng.sample(names, 50)
    quarters = []
    for i, name in enumerate(quarter_names):
        key = f"q-{_slug(name)}"
        quarters.append(key)
        areas.append(
            {
                "key": key,
                "name": name,
                "kind": "quarter",
                "code": f"{i // 17 + 1}{i % 17 + 1:02d}",
                "parent": districts[i * 3 // 50],
            }
        )
    population = {"DG": 83_200_000, "05": 18_100_000, "05399000": 163_000}
    for key in districts:
        population[key] = 54_000 + rng.randint(-6000, 6000)
    for key in quarters:
        population[key] = rng.randint(1_200, 7_500)
    return areas, quarters, population


def _fields_of_action(rng, fields) -> list:
    """The fields of action, the first eight from the list, more as deepenings of them."""
    field_list = []
    for i in range(fields):
        if i < len(FIELDS):
            code, title = FIELDS[i]
        else:
            code, title = f"{FIELDS[i % 8][0]}{i // 8}", f"{FIELDS[i % 8][1]} (Vertiefung {i // 8})"
        record = {"code": code, "title": title, "priority": i < 6}
        if rng.random() < 0.6:
            record["description"] = _paragraph(rng, TOPICS, (2, 4))
        if rng.random() < 0.3:
            record["easy_language"] = (
                f"In diesem Bereich geht es um {title.lower()}.\nDie Stadt hilft dabei.\n"
            )
        field_list.append(record)
    return field_list


def _strategic_goals(rng, codes) -> list:
    """Six strategic administrative goals, each linked to one to three fields of action."""
    strategic = [
        {
            "key": f"sz-{i}",
            "title": f"Strategisches Verwaltungsziel {i}: {rng.choice(TOPICS)} {rng.choice(ACTIONS)}",
            "description": _paragraph(rng, TOPICS),
            "fields_of_action": sorted(rng.sample(codes, rng.randint(1, 3))),
        }
        for i in range(1, 7)
    ]
    return strategic


def _sources(rng) -> list:
    """Twelve sources; every other one with a table code, web address, licence and date."""
    sources = []
    publishers = [
        "Stadt Musterstadt, Statistikstelle",
        "IT.NRW",
        "Statistisches Bundesamt",
        "Bundesagentur für Arbeit",
        "Ausländerzentralregister (AZR)",
        "Jobcenter Musterstadt",
    ]
    for i in range(1, 13):
        record = {
            "key": f"quelle-{i}",
            "publisher": publishers[i % len(publishers)],
            "title": f"Statistischer Bericht {i}: {rng.choice(TOPICS)}",
        }
        if i % 2:
            record["table_code"] = f"12411-{i:02d}-01-5"
            record["url"] = f"https://www.example.org/statistik/{i}"
            record["licence"] = "dl-de/by-2-0"
            record["retrieved_on"] = datetime.date(2024, 3, i)
        sources.append(record)
    return sources


def _indicators(rng, indicators, sources, codes) -> tuple[list, dict]:
    """The indicators, a few shares derived from two counts; (indicators, {key: (kind, factor, breakdown)})."""
    breakdown_choices = [b for b, _w in BREAKDOWNS]
    breakdown_weights = [w for _b, w in BREAKDOWNS]
    indicator_list = []
    ind_meta = {}  # key -> (kind, factor, breakdown)
    for i in range(1, indicators + 1):
        kind = "share" if rng.random() < 0.35 else "count"
        breakdown = rng.choices(breakdown_choices, breakdown_weights)[0]
        topic = rng.choice(TOPICS)
        key = f"ind-{i:03d}"
        record = {
            "key": key,
            "title": (
                f"Anteil {topic} an der Bevölkerung" if kind == "share" else f"Personen im Bereich {topic}"
            )
            + f" ({i})",
            "unit": "%" if kind == "share" else "Personen",
            "kind": kind,
        }
        if kind == "share":
            record["decimals"] = 1
        record["population_concept"] = rng.choice(POPULATION_CONCEPTS)
        record["source"] = rng.choice(sources)["key"]
        record["fields_of_action"] = sorted(rng.sample(codes, rng.randint(1, 2)))
        if breakdown:
            record["dimensions"] = list(breakdown)
        record["rhythm_months"] = 12
        if rng.random() < 0.3:
            record["definition"] = (
                f"Zahl der Personen im Bereich {topic} zum 31.12. des Jahres,\nnach Hauptwohnsitz.\n"
            )
        if rng.random() < 0.2:
            record["note"] = "Ab 2019 mit geänderter Abgrenzung."
        indicator_list.append(record)
        factor = rng.uniform(2, 60) if kind == "share" else rng.uniform(0.002, 0.3)
        ind_meta[key] = (kind, factor, breakdown)
    # A few share indicators are derived from two count indicators.
    counts = [r["key"] for r in indicator_list if r["kind"] == "count"]
    shares = [r for r in indicator_list if r["kind"] == "share"]
    if len(counts) >= 2:
        for record in shares[::8]:
            num, den = rng.sample(counts, 2)
            record["numerator"], record["denominator"] = num, den
    return indicator_list, ind_meta


def _goals(rng, codes, ind_keys, strategic) -> list:
    """Five goals per field of action."""
    goals = []
    for code in codes:
        for j in range(1, 6):
            record = {
                "key": f"{code}-Z{j}",
                "field_of_action": code,
                "title": f"{rng.choice(TOPICS)} {rng.choice(ACTIONS)} (Handlungsfeld {code}, Ziel {j})",
            }
            if rng.random() < 0.5:
                record["description"] = _paragraph(rng, TOPICS)
            if rng.random() < 0.5:
                record["target_value"] = Decimal(rng.randint(10, 900)) / 10
                record["target_date"] = datetime.date(rng.randint(2024, 2030), 12, 31)
            if ind_keys:
                record["indicators"] = sorted(rng.sample(ind_keys, rng.randint(0, min(3, len(ind_keys)))))
            record["strategic_goals"] = sorted(rng.sample([s["key"] for s in strategic], rng.randint(0, 2)))
            goals.append({k: v for k, v in record.items() if v != []})
    return goals


def _measures(rng, measures, codes, goals, strategic, ind_keys) -> list:
    """The measures with next steps and controlling figures, spread evenly over the fields of action."""
    goals_by_field = {}
    for g in goals:
        goals_by_field.setdefault(g["field_of_action"], []).append(g["key"])

    measure_list = []
    for i in range(measures):
        code = codes[i * len(codes) // measures] if measures else codes[0]
        number = sum(1 for mm in measure_list if mm["field_of_action"] == code) + 1
        status = rng.choice(MEASURE_STATUS)
        start = _date(rng, datetime.date(2018, 1, 1), 5 * 365)
        record = {
            "key": f"{code}{number}",
            "field_of_action": code,
            "title": f"{rng.choice(TOPICS)} {rng.choice(ACTIONS)}",
            "description": _paragraph(rng, TOPICS, (1, 4)),
            "lead_unit": rng.choice(UNITS),
            "partners": ", ".join(rng.sample(PARTNERS, rng.randint(1, 3))),
        }
        programme = rng.choice(PROGRAMMES)
        if programme:
            record["programme"] = programme
        record["start_date"] = start
        if rng.random() < 0.6:
            record["end_date"] = start + datetime.timedelta(days=rng.randint(180, 5 * 365))
        record["status"] = status
        record["progress"] = 100 if status == "completed" else rng.randint(0, 95)
        light = rng.choice(["green", "green", "green", "yellow", "red", ""])
        if light:
            record["traffic_light"] = light
            if light != "green":
                record["traffic_light_reason"] = (
                    f"Verzögerung wegen {rng.choice(['Personalmangel', 'fehlender Räume', 'ausstehender Förderzusage', 'geringer Nachfrage'])}."
                )
        if rng.random() < 0.5:
            record["results"] = _paragraph(rng, TOPICS)
        if rng.random() < 0.3:
            record["obstacles"] = "Fachkräftemangel bei den Trägern.\nLange Bearbeitungszeiten.\n"
        record["participants"] = rng.randint(0, 2500)
        record["staff"] = Decimal(rng.randint(0, 400)) / 100
        record["hours"] = rng.randint(0, 6000)
        record["cost"] = _money(rng, 0, 500_000)
        record["funding"] = _money(rng, 0, 200_000)
        if rng.random() < 0.5:
            record["effect"] = "Mehr Teilnehmende erreichen das Sprachniveau B1.\n"
        field_goals = goals_by_field.get(code, [])
        record["goals"] = sorted(rng.sample(field_goals, rng.randint(0, min(2, len(field_goals)))))
        record["strategic_goals"] = sorted(rng.sample([s["key"] for s in strategic], rng.randint(0, 1)))
        record["indicators"] = sorted(rng.sample(ind_keys, rng.randint(0, min(3, len(ind_keys)))))
        steps = []
        for n in range(1, rng.randint(0, 4) + 1):
            step = {"key": str(n), "text": f"{rng.choice(TOPICS)} {rng.choice(ACTIONS)}."}
            if rng.random() < 0.7:
                step["responsible"] = rng.choice(UNITS)
            if rng.random() < 0.7:
                step["due_date"] = _date(rng, datetime.date(2024, 1, 1), 3 * 365)
            if rng.random() < 0.2:
                step["done"] = True
            steps.append(step)
        record["next_steps"] = steps
        if rng.random() < 0.2:
            record["note"] = "Controlling-Zahlen aus dem Sachbericht des Trägers."
        measure_list.append({k: v for k, v in record.items() if v != []})
    return measure_list


def _bodies(rng) -> list:
    """One body of each kind."""
    bodies = []
    for i, kind in enumerate(BODY_KINDS):
        record = {
            "key": f"gremium-{i + 1}",
            "name": f"{kind.replace('_', ' ').title()} Integration",
            "kind": kind,
        }
        record["role"] = "Begleitet die Umsetzung des Integrationskonzepts.\nBerichtet an den Rat.\n"
        if i % 2 == 0:
            record["rhythm"] = rng.choice(["halbjährlich", "vierteljährlich", "jährlich"])
        if i % 3 == 0:
            record["members"] = ", ".join(rng.sample(UNITS, 4))
        bodies.append(record)
    return bodies


def _meetings(rng, body_keys) -> list:
    """Forty meetings of the bodies, some with other bodies taking part."""
    meetings = []
    for i in range(40):
        body = rng.choice(body_keys)
        day = _date(rng, datetime.date(2018, 1, 1), 6 * 365)
        record = {"key": f"sitzung-{day.isoformat()}-{i + 1}", "body": body}
        if rng.random() < 0.3:
            record["other_bodies"] = sorted(rng.sample([b for b in body_keys if b != body], 2))
        record.update(
            {
                "date": day,
                "title": f"Sitzung zum Umsetzungsstand: {rng.choice(TOPICS)}",
                "kind": rng.choice(["meeting", "meeting", "workshop", "presentation"]),
                "outcomes": [
                    f"{rng.choice(TOPICS)} {rng.choice(ACTIONS)}." for _ in range(rng.randint(0, 4))
                ],
            }
        )
        if rng.random() < 0.3:
            record["note"] = "Protokoll liegt vor."
        meetings.append({k: v for k, v in record.items() if v != []})
    return meetings


def _contact_points(rng, quarters, codes) -> list:
    """25 contact points in the quarters, one in ten unpublished."""
    contact_points = []
    for i in range(25):
        quarter = rng.choice(quarters)
        record = {
            "key": f"anlaufstelle-{i + 1}",
            "name": f"Beratungsstelle {rng.choice(TOPICS)} {i + 1}",
            "organisation": rng.choice(PARTNERS + UNITS),
            "description": _paragraph(rng, TOPICS, (1, 2)),
            "fields_of_action": sorted(rng.sample(codes, rng.randint(1, 3))),
            "street": f"{rng.choice(QUARTER_STEMS)}straße {rng.randint(1, 120)}",
            "postcode": f"{rng.randint(51300, 51399)}",
            "city": "Musterstadt",
            "area": quarter,
            "phone": f"0214 406-{rng.randint(1000, 9999)}",
            "email": f"beratung{i + 1}@example.org",
            "website": f"https://www.example.org/beratung/{i + 1}",
            "opening_hours": "Mo–Do 9:00–16:00, Fr 9:00–12:30",
            "languages": sorted(rng.sample(LANGUAGES, rng.randint(1, 4))),
            "barrier_free": rng.choice(["yes", "partial", "no", ""]),
        }
        if rng.random() < 0.1:
            record["published"] = False
        contact_points.append({k: v for k, v in record.items() if v not in ("", [])})
    return contact_points


def _combos(breakdown):
    """All value combinations of the given dimensions, as sorted (dim, value) tuples."""
    combos = [()]
    for dim in breakdown:
        values = [v["key"] for d in DIMENSIONS if d["key"] == dim for v in d["values"]]
        combos = [c + ((dim, v),) for c in combos for v in values]
    return combos


def _observations(rng, wanted, ind_keys, ind_meta, area_keys, population):
    """Exactly `wanted` observations, unique per (indicator, area, date, dims)."""
    if wanted <= 0:
        return []
    if not ind_keys:
        raise ValueError("observations need at least one indicator")
    combos = {key: _combos(ind_meta[key][2]) for key in ind_keys}
    per_year = len(area_keys) * sum(len(c) for c in combos.values())
    years = max(3, -(-int(wanted / FILL) // per_year))  # ceiling: enough key space for ~80 % fill
    dates = [datetime.date(LAST_YEAR - years + 1 + i, 12, 31) for i in range(years)]
    # Key space laid out indicator-major (file order): indicator, area, date, dims.
    offsets, sizes, total = [], [], 0
    for key in ind_keys:
        size = len(area_keys) * years * len(combos[key])
        offsets.append(total)
        sizes.append(size)
        total += size
    picked = sorted(rng.sample(range(total), wanted))
    trend = {d: 1 + 0.02 * (d.year - LAST_YEAR) for d in dates}
    rows = []
    for index in picked:
        i = bisect.bisect_right(offsets, index) - 1
        key = ind_keys[i]
        kind, factor, _breakdown = ind_meta[key]
        local = index - offsets[i]
        ind_combos = combos[key]
        combo = ind_combos[local % len(ind_combos)]
        rest = local // len(ind_combos)
        date = dates[rest % years]
        area = area_keys[rest // years]
        # A fresh date object per row: shared objects would be written as YAML anchors/aliases.
        row = {"indicator": key, "area": area, "date": datetime.date(date.year, 12, 31)}
        if combo:
            row["dims"] = dict(combo)
        flag = ""
        if area.startswith("q-") and rng.random() < 0.003:
            flag = "."  # secret: too few cases in a small quarter
        elif date.year == LAST_YEAR and rng.random() < 0.05:
            flag = "p"  # provisional figure for the latest year
        if flag == ".":
            value = None
        elif kind == "share":
            share = factor * rng.uniform(0.8, 1.2) * trend[date]
            value = Decimal(f"{min(100.0, max(0.0, share)):.1f}")
        else:
            base = population[area] * factor * trend[date]
            for dim, val in combo:
                base *= DIM_SHARE[dim][val]
            value = int(base * rng.uniform(0.9, 1.1))
        row["value"] = value
        if flag:
            row["flag"] = flag
        rows.append(row)
    return rows


def write_concept(path, **kw) -> dict:
    """Generate a concept and write it as a concept file; returns the generated dict."""
    from imon.core import yamlio

    data = make_concept(**kw)
    with open(path, "w", encoding="utf-8") as stream:
        yamlio.dump_document(data, stream)
    return data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--fields", type=int, default=8)
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--validate", action="store_true", help="check the file with imon.core.conceptfile.validate"
    )
    args = parser.parse_args(argv)
    write_concept(
        args.file,
        fields=args.fields,
        measures=args.measures,
        indicators=args.indicators,
        observations=args.observations,
        seed=args.seed,
    )
    print(f"written: {args.file}")
    if args.validate:
        import os
        import tempfile

        home = tempfile.TemporaryDirectory(prefix="imon-bench-")  # removed again at exit
        os.environ.setdefault("IMON_HOME", home.name)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")
        import django

        django.setup()
        from imon.core import conceptfile

        with open(args.file, "rb") as stream:
            clean, problems = conceptfile.validate(conceptfile.read(stream))
        for problem in problems[:50]:
            print(problem)
        print(f"{len(problems)} problem(s); {len(clean.get('observations', []))} valid observations")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
