"""The shapes of the open-data API's responses, from which its OpenAPI document is generated.

Typed dictionaries (validated and turned into JSON Schema by pydantic): the API builds plain
dictionaries and encodes them itself, so large responses are not validated row by row at run time;
`tests/test_api_schema.py` checks real responses against these types. Keys that a published record
may lack (an empty text is left out of the snapshot) are `NotRequired`, never `null`. Descriptions
are English, like the field names; the data themselves are German.
"""

import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

CLOSED = ConfigDict(extra="forbid")


def text(description: str):
    return Annotated[str, Field(description=description)]


def whole(description: str):
    return Annotated[int, Field(description=description, ge=0)]


def date(description: str):
    return Annotated[datetime.date, Field(description=description)]


def node_type(name: str):
    return Annotated[Literal[name], Field(description=f"JSON-LD type: always {name}")]


def codes(description: str):
    return Annotated[list[str], Field(description=description)]


# --- shared ---------------------------------------------------------------------------------


@with_config(CLOSED)
class Meta(TypedDict):
    """The release a response comes from."""

    snapshot: Annotated[int, Field(description="Number of the published snapshot (release)", ge=1)]
    reporting_date: date("Reporting date of the release")
    licence: text("Licence of the data (URI of Datenlizenz Deutschland – Namensnennung – 2.0)")


@with_config(CLOSED)
class PageMeta(Meta):
    """The release and the position of this page in the filtered result."""

    page: Annotated[int, Field(description="This page's number (from 1)", ge=1)]
    page_size: Annotated[int, Field(description="Rows per page", ge=1)]
    count: whole("Rows matching the filters, on all pages")
    pages: Annotated[int, Field(description="Number of pages (at least 1)", ge=1)]


VALUE = Annotated[
    str | None,
    Field(
        description="Decimal number as text (point as decimal separator); null when the value is "
        "suppressed for confidentiality or not available, see `flag`"
    ),
]
FLAG = Annotated[
    str,
    Field(
        description="Official table symbol: '' none, '-' nothing (zero), '.' secret or unknown, "
        "'x' not applicable, '...' not yet available, '/' too uncertain, '()' limited "
        "reliability, 'p' provisional, 'r' revised"
    ),
]
DIMS = Annotated[
    dict[str, str],
    Field(description="Breakdown of the value: dimension key → value key (empty for the total)"),
]


# --- index ----------------------------------------------------------------------------------


@with_config(CLOSED)
class ApiIndex(TypedDict):
    """Entry point: where the description, the catalogue and the resources are."""

    title: text("Name of the API")
    openapi: text("Path of this OpenAPI document")
    catalogue: text("Path of the DCAT-AP.de catalogue (JSON-LD)")
    resources: codes("Paths of the JSON resources")


# --- fields of action -----------------------------------------------------------------------


@with_config(CLOSED)
class FieldOfAction(TypedDict):
    """A field of action (Handlungsfeld) of the integration concept."""

    code: text("The city's own code of the field (e.g. A, HF1)")
    title: text("Title")
    description: NotRequired[text("Description (left out when empty)")]
    easy_language: NotRequired[text("Text in Leichte Sprache (easy-to-read German; left out when empty)")]
    priority: NotRequired[Annotated[bool, Field(description="Whether the council gave the field priority")]]
    measures: whole(
        "Number of published measures serving this field, cross-cutting measures included (so the "
        "numbers of all fields may add up to more than the number of measures)"
    )
    finished: whole("Of these, measures completed or established as a permanent service")


@with_config(CLOSED)
class FieldOfActionList(TypedDict):
    """All fields of action, in the concept's order."""

    meta: Annotated[Meta, Field(description="The release")]
    items: Annotated[list[FieldOfAction], Field(description="The fields of action")]


# --- measures -------------------------------------------------------------------------------


PRECISION = Annotated[
    Literal["day", "month", "quarter", "half_year", "year", "ongoing"],
    Field(description="How precise the date is: day, month, quarter, half_year, year, or ongoing (open end)"),
]


@with_config(CLOSED)
class Funder(TypedDict):
    """A funder of a measure."""

    name: text("Name of the funder")
    programme: NotRequired[text("Funding programme")]
    amount: NotRequired[
        Annotated[str, Field(description="Amount in EUR as decimal text (point as decimal separator)")]
    ]


@with_config(CLOSED)
class Measure(TypedDict):
    """A measure (Maßnahme) with its published state; texts are left out when empty."""

    key: text("Stable key of the measure")
    title: text("Title")
    description: NotRequired[text("Description")]
    lead_unit: NotRequired[text("Lead unit (Federführung)")]
    partners: NotRequired[text("Partners")]
    programme: NotRequired[text("Funding or action programme")]
    funders: NotRequired[Annotated[list[Funder], Field(description="The funders of the measure")]]
    start: NotRequired[
        text("Start as the city gives it: 2025, 2. Halbjahr 2024, 3. Quartal 2024, 03/2025 or 14.03.2025")
    ]
    start_precision: NotRequired[PRECISION]
    start_date: NotRequired[date("First day of the start")]
    end: NotRequired[text("End (planned or actual) as the city gives it; 'fortlaufend' for an open end")]
    end_precision: NotRequired[PRECISION]
    end_date: NotRequired[date("Last day of the end (left out for an open end)")]
    status: NotRequired[
        text(
            "Status code: unknown, planned, preparing, in_progress, delayed, completed, "
            "established, on_hold, discontinued (left out when unknown)"
        )
    ]
    progress: NotRequired[Annotated[int, Field(description="Progress in percent", ge=0, le=100)]]
    results: NotRequired[text("Results so far")]
    effect: NotRequired[text("Intended or observed effect")]
    field_of_action: text("Code of its field of action (the one that leads it)")
    also_fields_of_action: codes(
        "Codes of the further fields of action a cross-cutting measure serves (empty for most measures)"
    )
    status_label: text("The status as shown on the portal (German)")
    goals: codes("Keys of the goals the measure serves")
    indicators: codes("Keys of the indicators that observe it")


@with_config(CLOSED)
class MeasureList(TypedDict):
    """Published measures (optionally of one field of action)."""

    meta: Annotated[Meta, Field(description="The release")]
    items: Annotated[list[Measure], Field(description="The measures")]


# --- indicators -----------------------------------------------------------------------------


@with_config(CLOSED)
class Source(TypedDict):
    """Where the figures of an indicator come from."""

    key: text("Key of the source")
    publisher: text("Publisher (e.g. a statistics office)")
    title: text("Title of the publication or table")
    table_code: NotRequired[text("Code of the table (e.g. 12531-0043)")]
    url: NotRequired[text("Address of the source")]
    licence: NotRequired[text("Licence of the source")]
    retrieved_on: NotRequired[date("When the figures were retrieved")]


@with_config(CLOSED)
class Indicator(TypedDict):
    """An indicator (Kennzahl); texts and settings are left out when empty."""

    key: text("Stable key of the indicator (used in the other resources and downloads)")
    title: text("Title")
    short_title: NotRequired[text("Short title for charts and tables")]
    definition: NotRequired[text("Definition")]
    unit: text("Unit of the values (e.g. Personen, %)")
    kind: NotRequired[text("Kind: count, share, rate or amount")]
    decimals: NotRequired[whole("Decimal places shown")]
    population_concept: NotRequired[
        text(
            "Population concept the figures follow (e.g. total_population, foreign_register); "
            "series of different concepts are never mixed"
        )
    ]
    rhythm_months: NotRequired[whole("Months between two reference dates")]
    dimensions: NotRequired[codes("Keys of the dimensions the values are broken down by")]
    fields_of_action: NotRequired[codes("Codes of the fields of action the indicator belongs to")]
    source: Annotated[Source | None, Field(description="Source of the figures (null if none is named)")]
    observation_count: whole("Number of published observations")
    latest_date: Annotated[
        datetime.date | None, Field(description="Latest reference date (null without observations)")
    ]


@with_config(CLOSED)
class IndicatorList(TypedDict):
    """All published indicators."""

    meta: Annotated[Meta, Field(description="The release")]
    items: Annotated[list[Indicator], Field(description="The indicators")]


# --- observations ---------------------------------------------------------------------------


QUALIFIER = Annotated[
    str,
    Field(
        description="How the source states the value: '' exact, 'approx' about (rund, ca.), "
        "'just_under' (knapp), 'at_least', 'more_than', 'at_most', 'less_than'; the value is the "
        "number stated"
    ),
]
PERIOD = Annotated[
    str,
    Field(
        description="The reference period as the source states it where it is not a day ('2023/24', '2020'); '' otherwise"
    ),
]
SUPPRESSED = Annotated[
    bool,
    Field(
        description="true where the city's statistical confidentiality (§ 16 BStatG) hides the "
        "value; false for a value shown and for the source's own symbols (an office's '.')"
    ),
]
SOURCE = Annotated[
    str,
    Field(
        description="Key of the observation's source (its details: the indicators' `source`, or the release's sources); '' if none"
    ),
]


@with_config(CLOSED)
class IndicatorObservation(TypedDict):
    """One published value of an indicator."""

    area: text("Key of the area (e.g. AGS 05316000 or a city district's key)")
    date: date("Reference date (Stichtag)")
    dims: DIMS
    value: VALUE
    flag: FLAG
    qualifier: QUALIFIER
    period: PERIOD
    source: SOURCE
    suppressed: SUPPRESSED


@with_config(CLOSED)
class IndicatorObservations(TypedDict):
    """All published observations of one indicator."""

    meta: Annotated[Meta, Field(description="The release")]
    indicator: text("Key of the indicator")
    items: Annotated[list[IndicatorObservation], Field(description="The observations")]


@with_config(CLOSED)
class ObservationRow(TypedDict):
    """One published value."""

    indicator: text("Key of the indicator")
    area: text("Key of the area (e.g. AGS 05316000 or a city district's key)")
    date: date("Reference date (Stichtag)")
    dims: DIMS
    value: VALUE
    flag: FLAG
    qualifier: QUALIFIER
    period: PERIOD
    source: SOURCE
    suppressed: SUPPRESSED


@with_config(CLOSED)
class ObservationPage(TypedDict):
    """One page of the published observations that match the filters."""

    meta: Annotated[PageMeta, Field(description="The release and the paging")]
    items: Annotated[list[ObservationRow], Field(description="The observations of this page")]


# --- contact points -------------------------------------------------------------------------


@with_config(CLOSED)
class ContactPoint(TypedDict):
    """A published contact point (Anlaufstelle); empty texts are ''."""

    key: text("Stable key")
    name: text("Name")
    organisation: text("Organisation running it")
    description: text("What it offers")
    street: text("Street and number")
    postcode: text("Postcode")
    city: text("City")
    phone: text("Telephone")
    email: text("E-mail address")
    website: text("Website")
    opening_hours: text("Opening hours")
    languages: codes("Languages spoken (as entered, e.g. Arabisch, Türkisch)")
    barrier_free: text("Accessibility code: '' unknown, yes, partial, no")
    district: text("Name of the city district ('' if none)")
    fields_of_action: codes("Codes of the fields of action it serves")


@with_config(CLOSED)
class ContactPointList(TypedDict):
    """The directory of published contact points (live, not tied to a release)."""

    items: Annotated[list[ContactPoint], Field(description="The contact points")]


# --- downloads ------------------------------------------------------------------------------


@with_config(ConfigDict(extra="allow"))  # the dimension columns (typed by extra_items)
class DownloadRow(TypedDict, extra_items=str):
    """One observation in the long format; besides the listed keys one key per dimension
    (dimension key → value key, '' where a row has no value for it)."""

    indicator: text("Key of the indicator")
    area: text("Key of the area")
    area_name: text("Name of the area")
    reference_date: date("Reference date (Stichtag)")
    value: VALUE
    flag: FLAG
    unit: text("Unit of the value")
    source: text("Source (publisher: title)")


@with_config(CLOSED)
class DownloadTable(TypedDict):
    """The observations of one indicator as a table (the JSON twin of the CSV and XLSX files)."""

    columns: codes(
        "Column names in order: indicator, area, area_name, reference_date, the dimensions, value, flag, unit, source"
    )
    observations: Annotated[list[DownloadRow], Field(description="One row per observation")]


# --- DCAT-AP.de catalogue (JSON-LD) -----------------------------------------------------------

Reference = TypedDict("Reference", {"@id": text("URI of the linked resource")})
Reference.__doc__ = "A link to a resource by its URI (JSON-LD node reference)."
TypedLiteral = TypedDict(
    "TypedLiteral", {"@value": text("The value as text"), "@type": text("Its datatype (e.g. xsd:date)")}
)
TypedLiteral.__doc__ = "A literal with a datatype."
Organization = TypedDict(
    "Organization",
    {"@type": node_type("foaf:Organization"), "foaf:name": text("Name of the publishing municipality")},
)
Organization.__doc__ = "The publisher (foaf:Organization)."
VcardOrganization = TypedDict(
    "VcardOrganization",
    {
        "@type": node_type("vcard:Organization"),
        "vcard:fn": text("Name of the office to contact"),
        "vcard:hasURL": NotRequired[text("Website of the municipality")],
    },
)
VcardOrganization.__doc__ = "The contact for a dataset (vcard:Organization)."
PeriodOfTime = TypedDict(
    "PeriodOfTime",
    {
        "@type": node_type("dct:PeriodOfTime"),
        "dcat:endDate": Annotated[datetime.date | None, Field(description="Latest reference date")],
    },
)
PeriodOfTime.__doc__ = "The time covered by a dataset."
Location = TypedDict(
    "Location",
    {"@type": node_type("dct:Location"), "locn:geographicName": text("Name of the municipality")},
)
Location.__doc__ = "The place covered by a dataset."
Distribution = TypedDict(
    "Distribution",
    {
        "@type": node_type("dcat:Distribution"),
        "@id": text("URI of the file"),
        "dcat:accessURL": Annotated[Reference, Field(description="The indicator's portal page")],
        "dcat:downloadURL": Annotated[Reference, Field(description="The file")],
        "dct:format": Annotated[Reference, Field(description="File type (EU file-type authority)")],
        "dcat:mediaType": text("Media type of the file"),
        "dct:license": Annotated[Reference, Field(description="Licence")],
        "dct:title": text("Title of the file"),
    },
)
Distribution.__doc__ = "One file of a dataset (CSV, XLSX or JSON)."
Dataset = TypedDict(
    "Dataset",
    {
        "@type": node_type("dcat:Dataset"),
        "@id": text("URI of the dataset (the indicator's portal page)"),
        "dct:identifier": text("Key of the indicator"),
        "dct:title": text("Title of the indicator"),
        "dct:description": text("Its definition (or title)"),
        "dct:publisher": Annotated[Organization, Field(description="Publisher")],
        "dcat:contactPoint": Annotated[VcardOrganization, Field(description="Contact")],
        "dcat:theme": Annotated[Reference, Field(description="Data theme (EU authority: SOCI)")],
        "dcat:keyword": codes("Keywords"),
        "dct:modified": Annotated[TypedLiteral, Field(description="Reporting date of the release")],
        "dct:temporal": Annotated[PeriodOfTime, Field(description="Time covered")],
        "dct:spatial": Annotated[Location, Field(description="Place covered")],
        "dct:source": text("Source of the figures (publisher: title)"),
        "dcatde:politicalGeocodingURI": Annotated[
            Reference, Field(description="Municipality key (AGS) as DCAT-AP.de geocoding URI")
        ],
        "dcatde:contributorID": Annotated[Reference, Field(description="DCAT-AP.de contributor")],
        "dcat:landingPage": Annotated[Reference, Field(description="The indicator's portal page")],
        "dcat:distribution": Annotated[list[Distribution], Field(description="Its files")],
    },
)
Dataset.__doc__ = "One published indicator as a DCAT dataset."
Catalogue = TypedDict(
    "Catalogue",
    {
        "@context": Annotated[dict[str, str], Field(description="JSON-LD context: prefix → namespace URI")],
        "@type": node_type("dcat:Catalog"),
        "@id": text("URI of the catalogue"),
        "dct:title": text("Title"),
        "dct:description": text("Description"),
        "dct:publisher": Annotated[Organization, Field(description="Publisher")],
        "dct:language": Annotated[Reference, Field(description="Language (EU authority: DEU)")],
        "dct:license": Annotated[Reference, Field(description="Licence of all datasets")],
        "dct:modified": Annotated[TypedLiteral, Field(description="Reporting date of the release")],
        "foaf:homepage": Annotated[Reference, Field(description="The portal")],
        "dcat:dataset": Annotated[
            list[Dataset], Field(description="One dataset per indicator with published values")
        ],
    },
)
Catalogue.__doc__ = "DCAT-AP.de catalogue of the published indicators (JSON-LD)."


# --- error responses (not JSON: the API answers like the rest of the site) -----------------------

NOT_FOUND = Annotated[
    str,
    Field(
        description="The site's 'page not found' page (HTML): nothing is published yet, or the "
        "indicator named in the path is unknown"
    ),
]
BAD_REQUEST = Annotated[str, Field(description="What is wrong with the parameters (plain text)")]
