"""The city's house style in one place: name, logo, colours, font and imprint, for every report format
and the public portal.

Where it comes from, first match wins: the concept file's `municipality` section (fields `logo`,
`logo_png`, `primary_colour`, `accent_colour`, `font`, `publisher`, `address`, `email`, `phone`), the
installation's settings (`IMON_STYLE_*`, see imon/settings.py), and a sober default in the spirit of
KERN UX (dark blue, Fira Sans). A snapshot freezes the style it was made with (`as_document`), so
that a report stays a pure function of its snapshot; `from_document` reads it back (or, for a
snapshot older than the house style, takes it from the municipality section and the defaults).

Colours are text colours on white and backgrounds under white text, so each must reach the WCAG AA
contrast of 4.5:1 against white: the concept file refuses a weaker one, a setting with a weaker one
is ignored (with a warning in `imon check`).
"""

import base64
import binascii
import re
from dataclasses import asdict, dataclass, fields

# KERN UX's calm dark blue and a deeper blue; Fira Sans, the typeface KERN UX ships (SIL OFL).
DEFAULTS = {"primary_colour": "#004b76", "accent_colour": "#00344f", "font": "Fira Sans"}
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
MAX_LOGO_BYTES = 256 * 1024
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
FONT_RE = re.compile(r"[^\w \-]")
SVG_RE = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<svg[\s>]", re.S)
# the fields a concept file or the settings can give, in the order of docs/concept-file.md
FIELDS = (
    "logo",
    "logo_png",
    "primary_colour",
    "accent_colour",
    "font",
    "publisher",
    "address",
    "email",
    "phone",
)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of '#rrggbb'."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two colours ('#rrggbb'), from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour_problem(value: str) -> str | None:
    """Why `value` cannot be a house colour (for the concept file and `imon check`), or None."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext as _

    if not isinstance(value, str) or not COLOUR_RE.match(value.strip()):
        return _("'%(value)s' is not a colour of the form #rrggbb (e.g. #004b76).") % {"value": value}
    ratio = contrast(value.strip())
    if ratio < MIN_CONTRAST:
        return _(
            "The colour %(value)s has a contrast ratio of only %(ratio)s:1 against white; WCAG AA asks for "
            "at least 4.5:1 for text on white and white text on the colour."
        ) % {"value": value.strip(), "ratio": number_format(int(ratio * 100) / 100, 2)}
    return None


def validate_colour(value: str):
    """Model field validator (the admin): a house colour readable on white."""
    from django.core.exceptions import ValidationError

    problem = colour_problem(value)
    if problem:
        raise ValidationError(problem)


def validate_logo(value: str):
    """Model field validator (the admin): SVG markup or an SVG/PNG data URI."""
    from django.core.exceptions import ValidationError

    try:
        logo_data_uri(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def logo_data_uri(value: str, png_only: bool = False) -> str:
    """A logo as a data URI: inline SVG markup, or a data URI of an SVG or PNG image. ValueError for
    anything else, for a broken image or one larger than MAX_LOGO_BYTES."""
    from django.utils.translation import gettext as _

    text = (value or "").strip()
    if SVG_RE.match(text) and not png_only:
        data, media = text.encode("utf-8"), "image/svg+xml"
    else:
        match = re.match(r"^data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/=\s]+)$", text)
        if not match or (png_only and match.group(1) != "image/png"):
            raise ValueError(
                _("expected a PNG image as data:image/png;base64,….")
                if png_only
                else _(
                    "expected SVG markup (<svg …>) or an image as data:image/svg+xml;base64,… or data:image/png;base64,…."
                )
            )
        media = match.group(1)
        try:
            data = base64.b64decode(re.sub(r"\s", "", match.group(2)), validate=True)
        except binascii.Error:
            raise ValueError(_("the image is not valid Base64.")) from None
        if media == "image/png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError(_("the image is not a PNG image."))
        if media == "image/svg+xml" and not SVG_RE.match(data.decode("utf-8", "replace")):
            raise ValueError(_("the image is not an SVG image."))
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(_("the image is larger than %(size)d KB.") % {"size": MAX_LOGO_BYTES // 1024})
    return f"data:{media};base64," + base64.b64encode(data).decode("ascii")


def logo_file(path: str) -> str:
    """The data URI of a logo file (.svg or .png)."""
    with open(path, "rb") as stream:
        data = stream.read()
    if data.startswith(b"\x89PNG"):
        return logo_data_uri("data:image/png;base64," + base64.b64encode(data).decode("ascii"))
    return logo_data_uri(data.decode("utf-8"))


@dataclass(frozen=True)
class HouseStyle:
    name: str  # "Stadt Leverkusen"
    primary_colour: str  # headings, links, rules, the portal's header
    accent_colour: str  # bands and marks (white text on it)
    font: str  # font family; Fira Sans is embedded in PDF and DOCX
    logo: str = ""  # data URI (SVG or PNG); "" for none
    logo_png: str = ""  # the logo as PNG for Word and PowerPoint (which cannot show SVG)
    publisher: str = ""  # "Stadt Leverkusen, Der Oberbürgermeister"; default: the city and its office
    address: str = ""  # postal address, one line per line
    email: str = ""
    phone: str = ""
    website: str = ""

    @property
    def logo_bytes(self) -> bytes:
        return _decode(self.logo)

    @property
    def raster_logo(self) -> bytes:
        """The logo as PNG bytes for DOCX and PPTX (b"" if there is only an SVG)."""
        if self.logo_png:
            return _decode(self.logo_png)
        return self.logo_bytes if self.logo.startswith("data:image/png") else b""

    @property
    def contact_lines(self) -> list[str]:
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        if self.phone:
            lines.append(f"Telefon: {self.phone}")
        if self.email:
            lines.append(f"E-Mail: {self.email}")
        if self.website:
            lines.append(self.website)
        return lines

    def rgb(self, name: str) -> tuple[int, int, int]:
        value = getattr(self, name)
        return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)

    def as_document(self) -> dict:
        return asdict(self)


def _decode(uri: str) -> bytes:
    return base64.b64decode(uri.split(",", 1)[1]) if uri else b""


def _from_settings(config: dict) -> dict:
    """The house style the settings give (IMON_STYLE_*: `config` holds the values without the prefix, in
    lower case); what cannot be used is left out (see `settings_problems`)."""
    given = {}
    for name in FIELDS:
        value = (config.get(name) or "").strip()
        if not value:
            continue
        if name in ("logo", "logo_png"):
            try:
                value = logo_file(value)
            except (OSError, ValueError):
                continue
        elif name.endswith("_colour") and colour_problem(value):
            continue
        given[name] = value
    return given


def settings_problems(config: dict) -> list[str]:
    """Why some IMON_STYLE_* settings are ignored (for `imon check`)."""
    problems = []
    for name in ("primary_colour", "accent_colour"):
        value = (config.get(name) or "").strip()
        if value and colour_problem(value):
            problems.append(f"IMON_STYLE_{name.upper()}: {colour_problem(value)}")
    for name in ("logo", "logo_png"):
        path = (config.get(name) or "").strip()
        if path:
            try:
                logo_file(path)
            except (OSError, ValueError) as error:
                problems.append(f"IMON_STYLE_{name.upper()}_FILE: {error}")
    return problems


def build(municipality: dict, config: dict | None = None) -> HouseStyle:
    """The house style of a municipality record (concept file fields), the settings and the defaults."""
    from_settings = _from_settings(config or {})
    values = {}
    for name in FIELDS:
        value = (municipality.get(name) or "").strip() if isinstance(municipality.get(name), str) else ""
        if name.endswith("_colour") and value and colour_problem(value):
            value = ""  # a weak colour never reaches an output, wherever it came from
        if name in ("logo", "logo_png") and value:
            try:  # stored as a data URI; SVG markup entered in the admin becomes one
                value = logo_data_uri(value, png_only=name == "logo_png")
            except ValueError:
                value = ""
        values[name] = value or from_settings.get(name) or DEFAULTS.get(name, "")
    # a family name only, as it goes into style sheets
    values["font"] = FONT_RE.sub("", values["font"]).strip() or DEFAULTS["font"]
    name = (municipality.get("name") or "").strip()
    if not values["publisher"]:
        office = (municipality.get("office_name") or "").strip()
        values["publisher"] = ", ".join(part for part in (name, office) if part)
    return HouseStyle(name=name, website=(municipality.get("website") or "").strip(), **values)


def from_document(document: dict) -> HouseStyle:
    """The house style frozen in a snapshot (or its public document); for a snapshot without one, the
    municipality section and the defaults (never today's settings: a report shows what was frozen)."""
    frozen = document.get("house_style")
    if frozen:
        known = {f.name for f in fields(HouseStyle)}
        return HouseStyle(**{k: v for k, v in frozen.items() if k in known})
    return build(document.get("municipality") or {})


def current(municipality=None) -> HouseStyle:
    """The house style of the installation now: the stored municipality (the only one, if none is given)
    and the settings."""
    from django.conf import settings

    from . import models as m

    if municipality is None:
        municipality = m.Municipality.objects.order_by("pk").first()
    record = {}
    if municipality is not None:
        names = ("name", "office_name", "website", *FIELDS)
        record = {name: getattr(municipality, name, "") or "" for name in names}
    return build(record, getattr(settings, "IMON_STYLE", {}))
