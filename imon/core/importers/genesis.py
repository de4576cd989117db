"""GENESIS-Online / Regionalstatistik / Zensus flat files (ffcsv)."""

import calendar
import datetime
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import dimension_key
from ..numbers import NumberError, parse_cell, parse_date
from .parsed import TOTAL_KEY, ImportFileError, Parsed, Problem, Row, collapse_problems

# The regional variables of the three databases and the kind of area their codes name.
# GENESIS-Online and the Regionaldatenbank name them DINSG, DLAND, KREISE …; the Zensus 2022
# database GEODL1 (Germany), GEOBL1 (Länder), GEORB1 (Regierungsbezirke), GEOLK1/3/4 (Kreise)
# and GEOGM1…5 (Gemeinden), with 12-digit regional keys (ARS) for Gemeinden.
REGIONAL_VARIABLES = {
    "DINSG": "country",
    "DG": "country",
    "DLAND": "state",
    "DLANDR": "state",
    "DLANDS": "state",
    "DLANDU": "state",
    "DLANDX": "state",
    "FDLAND": "state",
    "REGBEZ": "region",
    "FREGBEZ": "region",
    "KREISE": "county",
    "FKREISE": "county",
    "GEMEIN": "municipality",
    "FGEMEIN": "municipality",
    "PGEMEIN": "municipality",
    "GRSTADT": "municipality",
}
_ZENSUS_REGIONS = {"DL": "country", "BL": "state", "RB": "region", "LK": "county", "GM": "municipality"}
# Other Zensus regional variables (GEOVB: Gemeindeverbände, GEOBZ: Bezirke of Berlin and
# Hamburg) name areas the area tree has no place for: refused with a message instead of being
# read as a breakdown.
# Digits of an area's key within a regional key (ARS, 12 digits: Land 2, Regierungsbezirk 1,
# Kreis 2, Gemeindeverband 4, Gemeinde 3).
_ARS_PREFIX = {"state": 2, "region": 3, "county": 5}

# The time column's label in the English downloads (the German ones: Jahr, Stichtag, …).
ENGLISH_TIME_LABELS = frozenset(
    {"year", "reference date", "reference day", "month", "quarter", "half year", "half-year", "school year"}
)

# Variables that carry the part of the year of a JAHR table: their attribute codes (MONAT01 …
# MONAT12, QUART1 … QUART4, HJAHR1, HJAHR2) give the month its period ends with.
TIME_VARIABLES = {"MONAT": 1, "QUARTG": 3, "HJAHR": 6}


def regional_kind(code: str) -> str | None:
    """The kind of area a regional variable's codes name, None if the variable is not regional;
    "" for a Zensus regional variable that cannot be read."""
    kind = REGIONAL_VARIABLES.get(code)
    if kind is None and (match := re.fullmatch(r"GEO([A-Z]{2})\d", code)):
        kind = _ZENSUS_REGIONS.get(match.group(1), "")
    return kind


def official_code(kind: str, code: str) -> str:
    """The area key of a regional variable's code: "DG" for Germany, the AGS (8 digits) of a
    Gemeinde whose 12-digit regional key (ARS) the Zensus database gives, the leading digits of
    an ARS for Länder, Regierungsbezirke and Kreise; other codes as they are."""
    code = code.strip()
    if kind == "country":
        return "DG"
    if len(code) == 12 and code.isdigit():
        return code[:5] + code[9:] if kind == "municipality" else code[: _ARS_PREFIX.get(kind, 12)]
    return code


# Joins the fields of a row read by the csv module (quoted fields may hold ';') into a line
# that `parse_genesis` can split; no statistics file holds this control character.
FIELD_SEPARATOR = "\x1f"


def _genesis_cut(header: list[str]) -> tuple[int, int] | None:
    """(first, last): where `parse_genesis` cuts a line. The classifying variables' columns
    run from `first` to `last` (last = first - 1 in a table without variables); the columns
    read on every line stand outside them, statistic and time before, value, value variable
    and quality after (the labels may stand anywhere). None if the columns do not stand so,
    or if one of those is missing."""
    position = {h.strip(): i for i, h in enumerate(header)}
    if any(
        name not in position
        for name in ("statistics_code", "time_code", "time", "value", "value_variable_code")
    ):
        return None
    head = [position[name] for name in ("statistics_code", "time_code", "time")]
    tail = [position[name] for name in ("value", "value_variable_code", "value_q") if name in position]
    middle = [
        i for name, i in position.items() if re.fullmatch(r"\d+_variable_(attribute_)?(code|label)", name)
    ]
    first, last = (min(middle), max(middle)) if middle else (min(tail), min(tail) - 1)
    return (first, last) if max(head) < first and last < min(tail) else None


def genesis_order(header: list[str]) -> list[int] | None:
    """None if `parse_genesis` can cut the lines as they are (GENESIS's own order), else the
    positions of the columns in an order it can cut: the others, then the variables, then
    value, value variable and quality."""
    position = {h.strip(): i for i, h in enumerate(header)}
    if (
        _genesis_cut(header) is not None
        or not {"statistics_code", "time_code", "time", "value", "value_variable_code"} <= position.keys()
    ):
        return None  # (parse_genesis names a missing column)
    middle = [
        i for name, i in position.items() if re.fullmatch(r"\d+_variable_(attribute_)?(code|label)", name)
    ]
    tail = [position[name] for name in ("value", "value_variable_code", "value_q") if name in position]
    return [i for i in range(len(header)) if i not in middle and i not in tail] + sorted(middle) + tail


def parse_genesis(header: list[str], lines, name: str, delimiter: str) -> Parsed:
    """GENESIS-Online / Regionalstatistik / Zensus flat file (ffcsv); `lines` yields
    (line number, text) of lines whose columns, split at `delimiter`, stand in an order it
    can cut (see `genesis_order`)."""
    return _GenesisReader(header, name, delimiter).read(lines)


class _GenesisReader:
    """Reads the lines of one GENESIS flat file.

    A large table repeats each combination of area and classifying variables once per
    reference date, and the variables' columns stand together between the time and the value
    columns. Each line is therefore cut into three: the columns before the variables, the
    variables' columns as one text, and the columns after them. The variables' text is the
    key under which the combination is looked up; only a new one is split. Dates and values
    are likewise read once per distinct text."""

    def __init__(self, header: list[str], name: str, delimiter: str):
        self.result = Parsed("genesis", creates_metadata=True)
        col = self.col = {h.strip(): i for i, h in enumerate(header)}
        required = [
            "statistics_code",
            "statistics_label",
            "time_code",
            "time",
            "value",
            "value_unit",
            "value_variable_code",
            "value_variable_label",
        ]
        missing = [c for c in required if c not in col]
        if missing:
            raise ImportFileError(
                _("The GENESIS flat file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        self.variables = []
        n = 1
        while f"{n}_variable_code" in col:
            if f"{n}_variable_attribute_code" not in col:
                raise ImportFileError(
                    _("The GENESIS flat file lacks the columns: %(columns)s.")
                    % {"columns": f"{n}_variable_attribute_code"}
                )
            self.variables.append(
                (
                    col[f"{n}_variable_code"],
                    col.get(f"{n}_variable_label"),
                    col[f"{n}_variable_attribute_code"],
                    col.get(f"{n}_variable_attribute_label"),
                )
            )
            n += 1
        cut = _genesis_cut(header)
        if cut is None:
            raise ValueError("the columns must stand in an order parse_genesis can cut (see genesis_order)")
        self.width, self.delimiter = len(header), delimiter
        # `first` columns before the variables' text, `n_after` after it
        self.first, self.last = cut
        self.n_after = self.width - 1 - self.last
        self.has_middle = self.last >= self.first
        # If the first variable is regional (KREISE, GEMEIN, …) and its columns lead the
        # variables' text, a new combination is an area and a known breakdown of the others.
        self.lead = None
        lead_columns = [i for i in self.variables[0] if i is not None] if self.variables else []
        if lead_columns and sorted(lead_columns) == list(range(self.first, self.first + len(lead_columns))):
            i_code, _i_label, i_attr, i_attr_label = self.variables[0]
            self.lead = (
                len(lead_columns),
                i_code - self.first,
                i_attr - self.first,
                i_attr_label and i_attr_label - self.first,
            )
        self.rests: dict = {}  # the text of the other variables' columns -> (dims, dim_key)
        self.breakdowns: dict = {}  # codes of the classifying variables -> (dims, dim_key)
        self.indicator_of: dict = {}  # statistic, value variable -> (indicator, its combinations)
        self.table = re.search(r"\d{5}-\d{4}|\d{5}-\d{2}-\d{2}-\d|\d{4}[A-Z]-\d{4}", name)
        # The English download writes a decimal point and no thousands separator ("2.125" is two
        # and a bit): known by its name (…_en_flat.csv) or the English label of its time column,
        # decided on the first line (None until then).
        self.decimal_comma: bool | None = False if re.search(r"_en(_flat)?\.", name) else None

    def read(self, lines) -> Parsed:
        result, col, delimiter, first, last, n_after, has_middle = (
            self.result,
            self.col,
            self.delimiter,
            self.first,
            self.last,
            self.n_after,
            self.has_middle,
        )
        i_stat, i_time_code, i_time = col["statistics_code"], col["time_code"], col["time"]
        j_value, j_vcode = col["value"] - last, col["value_variable_code"] - last
        j_quality = col["value_q"] - last if "value_q" in col else None
        # the unit: one value variable may come in two units (Zensus: Anzahl and %; GENESIS
        # 61111-0001: 2020=100 and %), each an indicator of its own (see `split_units`)
        i_unit = col["value_unit"]
        unit_in_head = i_unit < first
        if not unit_in_head:
            i_unit -= last
        problems = result.problems
        append = result.rows.append
        date_cache: dict = {}  # time text -> (time code, date)
        cell_cache: dict = {}  # value text -> (value, flag)
        stat: str | None = None
        vcode: str | None = None
        unit: str | None = None
        time_code: str | None = None
        time: str | None = None
        # set from the first line on: a line's date and indicator are those of the previous line
        # unless its time or value variable differ, and None differs from every text
        date: datetime.date
        indicator: str
        combinations: dict
        refused = 0  # lines that gave no row, each after noting a problem
        for line, text in lines:
            text = text.rstrip("\r")
            head = text.split(delimiter, first)
            if len(head) > first:
                tail = (head[first] if has_middle else delimiter + head[first]).rsplit(delimiter, n_after)
            else:
                tail = ()
            if len(tail) <= n_after:
                if text.strip():
                    self.short_line(line, text.count(delimiter) + 1)
                    refused += 1
                else:
                    result.ignore("empty")
                continue
            if head[i_time] != time or head[i_time_code] != time_code:  # mostly the previous line's date
                time_code, time = head[i_time_code], head[i_time]
                cached_date = self.reference_date(line, time_code, time, date_cache)
                if cached_date is None:
                    time_code = time = None
                    refused += 1
                    continue
                date = cached_date
            line_unit = head[i_unit] if unit_in_head else tail[i_unit]
            if tail[j_vcode] != vcode or head[i_stat] != stat or line_unit != unit:
                # mostly the previous line's indicator
                stat, vcode, unit = head[i_stat], tail[j_vcode], line_unit
                known = self.indicator_of.get((stat, vcode, unit)) or self.new_indicator(stat, vcode, unit)
                indicator, combinations = known
            combination = combinations.get(tail[0])
            if combination is None:
                combination = self.combination(indicator, head, tail, line)
                if combination is None:
                    refused += 1
                    continue
                combinations[tail[0]] = combination
            raw = tail[j_value]
            cell = cell_cache.get(raw)
            if cell is None:
                try:
                    # GENESIS writes decimal commas; the parser also takes an unambiguous decimal point.
                    cell = cell_cache[raw] = (
                        (Decimal(raw), "")
                        if raw.isdigit()
                        else parse_cell(raw, self.decimal_comma is not False)
                    )
                except NumberError as exc:
                    problems.append(Problem(line, "value", str(exc), raw))
                    refused += 1
                    continue
            area, dims, dim_key, month = combination
            value, flag = cell
            if j_quality and tail[j_quality] not in ("", "e"):
                value, flag, note = _with_quality(value, flag, tail[j_quality])
            else:
                note = ""
            if month is None:
                append(Row(indicator, area, date, dims, dim_key, value, flag, note, line))
            else:  # a month, quarter or half of the year the time column names
                append(Row(indicator, area, _period_end(date, month), dims, dim_key, value, flag, note, line))
        result.problems = collapse_problems(problems)
        result.refused_lines = refused
        self.split_units()
        self.join_levels()
        return result

    def new_indicator(self, stat: str, vcode: str, unit: str) -> tuple[str, dict]:
        """(key, combinations) of a statistic's value variable in a unit first seen; a further
        unit of a value variable is named in `split_units`."""
        key = f"{stat}-{vcode}".lower()
        if any(s == stat and v == vcode for s, v, _u in self.indicator_of):
            key += FIELD_SEPARATOR + unit
        known: tuple[str, dict] = (key, {})
        self.indicator_of[(stat, vcode, unit)] = known
        return known

    def split_units(self):
        """One value variable in more than one unit (the Zensus database's default download
        gives PRS018 "Personen" as Anzahl and as %, GENESIS 61111-0001 PREIS1 as 2020=100 and as
        % change): an indicator per unit. The unit that is not % keeps the key
        statistic-value variable, so that a file with only that unit adds to the same indicator;
        the others get the unit after it (…-pct for %), and the import says so."""
        result = self.result
        units: dict[tuple, list] = {}
        for (stat, vcode, unit), (key, _combinations) in self.indicator_of.items():
            units.setdefault((stat, vcode), []).append((unit, key))
        renamed: dict[str, str] = {}
        for (stat, vcode), variants in units.items():
            if len(variants) < 2:
                continue
            plain = f"{stat}-{vcode}".lower()
            others = [u for u, _k in variants if u.strip() != "%"]
            keeps = others[0] if len(others) == 1 else None
            title = ""
            for unit, key in variants:
                new = plain if unit == keeps else f"{plain}-{_unit_slug(unit)}"
                if key in result.indicators:
                    renamed[key] = new
                    title = title or result.indicators[key]["title"]
            named = {
                renamed[key]: result.indicators.pop(key) for key in list(renamed) if key in result.indicators
            }
            for new, spec in named.items():
                if new != plain and spec["title"] == title:
                    spec["title"] = f"{title} ({spec['unit']})"
            result.indicators.update(named)
            result.notes.append(
                _("%(variable)s comes in the units %(units)s: read as the indicators %(keys)s.")
                % {
                    "variable": vcode,
                    "units": ", ".join(u for u, _k in variants),
                    "keys": ", ".join(sorted(named)),
                }
            )
        if renamed:
            for variant, (key, combinations) in self.indicator_of.items():
                self.indicator_of[variant] = (renamed.get(key, key), combinations)
            for row in result.rows:
                row.indicator = renamed.get(row.indicator, row.indicator)

    def reference_date(self, line: int, time_code: str, time: str, date_cache: dict) -> datetime.date | None:
        """The date of a time cell (read once per distinct text), None after noting a problem."""
        cached_date = date_cache.get(time)
        if cached_date is None or cached_date[0] != time_code:
            try:
                cached_date = date_cache[time] = (time_code, _genesis_date(time_code, time))
            except ValueError:
                self.result.problems.append(
                    Problem(
                        line,
                        "time",
                        _("'%(value)s' is not a reference date of type %(code)s.")
                        % {"value": time, "code": time_code},
                        time,
                    )
                )
                return None
        return cached_date[1]

    def join_levels(self):
        """Where the rows of one value variable are broken down by different variables (a
        Zensus table with WDGAT1 rows and WDGAT2 rows: two levels of one classification; or two
        classifications side by side), each is read as a breakdown of its own: a row stands for
        the total of the variables it lacks. The indicator then has both breakdowns, and the
        import says so. A total that both give is read once if they agree."""
        result = self.result
        joined: dict[str, frozenset] = {}
        for indicator, combinations in self.indicator_of.values():
            sets = {frozenset(dims) for _area, dims, _key, _month in combinations.values()}
            if len(sets) > 1:
                joined[indicator] = frozenset().union(*sets)
        if not joined:
            return
        for indicator, names in joined.items():
            for dim in names:
                spec = result.dimensions[dim]
                if spec["total"] is None:
                    spec["values"].setdefault(TOTAL_KEY, _("Total"))
                    spec["total"] = TOTAL_KEY
            labels = ", ".join(f"{result.dimensions[d]['label']} ({d.upper()})" for d in sorted(names))
            result.notes.append(
                _(
                    "%(indicator)s: the file breaks it down by %(labels)s in separate rows; read as "
                    "separate breakdowns, a row standing for the total of the others."
                )
                % {"indicator": indicator, "labels": labels}
            )
        totals = {
            indicator: {d: result.dimensions[d]["total"] for d in names}
            for indicator, names in joined.items()
        }
        rows: list[Row] = []
        seen: dict[tuple, Row] = {}
        for row in result.rows:
            wanted = joined.get(row.indicator)
            if wanted is not None:
                if len(row.dims) < len(wanted):
                    row.dims = {**totals[row.indicator], **row.dims}
                    row.dim_key = dimension_key(row.dims)
                key = (row.indicator, row.area, row.date, row.dim_key)
                first = seen.get(key)
                if first is not None and (first.value, first.flag) == (row.value, row.flag):
                    result.ignore("same-total")  # the total both levels give
                    continue
                seen.setdefault(key, row)
            rows.append(row)
        result.rows = rows

    def short_line(self, line: int, found: int):
        message = (
            _("the line has %(found)s of %(expected)s columns (file truncated?).")
            if found < self.width
            else _(
                "the row has %(found)s cells, but the header only %(expected)s columns; the cells "
                "beyond it would be lost."
            )
        )
        self.result.problems.append(Problem(line, "", message % {"found": found, "expected": self.width}))

    def combination(self, indicator: str, head: list, tail: list, line: int):
        """(area, dims, dim_key, month) of a line with a new variables' text, noting new
        indicators, areas and dimensions; None after noting a problem. `month` is the last
        month of the part of the year a time variable (MONAT, QUARTG, HJAHR) gives, else None."""
        result, middle, lead = self.result, tail[0], self.lead
        parts = None
        if lead is not None and indicator in result.indicators:
            size, j_code, j_attr, j_attr_label = lead
            parts = middle.split(self.delimiter, size)
            code = parts[j_code] if len(parts) > size else None
            kind = regional_kind(code) if code else None
            if kind:
                breakdown = self.rests.get(parts[size])
                if breakdown is not None:
                    area = official_code(kind, parts[j_attr])
                    if area not in result.areas:
                        result.areas[area] = {
                            "name": parts[j_attr_label] if j_attr_label is not None else area,
                            "kind": kind,
                        }
                    return area, *breakdown
            else:
                parts = None
        if not self.has_middle and middle:  # cells beyond the header, before the value
            self.short_line(line, self.width + middle.count(self.delimiter))
            return None
        record = head[: self.first] + (middle.split(self.delimiter) if self.has_middle else []) + tail[1:]
        if len(record) != self.width:
            self.short_line(line, len(record))
            return None
        col = self.col
        if self.decimal_comma is None and "time_label" in col:
            self.decimal_comma = record[col["time_label"]].strip().lower() not in ENGLISH_TIME_LABELS
        if indicator not in result.indicators:
            result.indicators[indicator] = {
                "title": record[col["value_variable_label"]],
                "unit": record[col["value_unit"]],
                "statistic": record[col["statistics_label"]],
            }
        if result.source is None:
            table = self.table.group(0) if self.table else record[col["statistics_code"]]
            result.source = {
                "key": f"genesis-{table}".lower(),
                "publisher": _("Statistical Offices of the Federation and the Länder (GENESIS)"),
                "title": record[col["statistics_label"]],
                "table_code": table,
                "licence": "dl-de/by-2-0",
            }
        combo = _genesis_combo(record, self.variables, result, self.breakdowns, line)
        if combo is None:
            return None
        area, dims, dim_key, month = combo
        if lead is not None and parts is not None:
            kind = regional_kind(parts[lead[1]])
            if kind and area == official_code(kind, parts[lead[2]]):
                # no other regional variable among the rest
                self.rests[parts[lead[0]]] = (dims, dim_key, month)
        return combo


# Quality marks of a value_q column that are official symbols: those of a missing value
# replace the value, "()" (limited informative value) qualifies it.
_QUALITY_SYMBOLS = {"-": "-", ".": ".", "x": "x", "X": "x", "...": "...", "…": "...", "/": "/"}


def _unit_slug(unit: str) -> str:
    """A unit as part of an indicator key: "%" -> "pct", "2020=100" -> "2020-100"."""
    return "pct" if unit.strip() == "%" else re.sub(r"[^a-z0-9]+", "-", unit.lower()).strip("-") or "unit"


def _with_quality(value, flag: str, quality: str) -> tuple:
    """(value, flag, note) of a cell with a quality mark (value_q): p and v (provisional) and r
    (revised) become the flag of a value, "()" marks a value of limited informative value (the
    Zensus database's mark of a figure from few sample cases); "-", ".", "x", "...", "/" are the
    symbols of a missing value and take the value's place (as the publisher says no value may
    be read there); e (final) says nothing. Other marks are kept as a note."""
    quality = quality.strip()
    if not quality or quality == "e":
        return value, flag, ""
    if value is not None and quality in ("p", "v", "r"):
        return value, flag or ("r" if quality == "r" else "p"), ""
    if quality in ("()", "( )"):
        return value, flag or ("" if value is None else "()"), ""
    if quality in _QUALITY_SYMBOLS:
        return None, flag if value is None else _QUALITY_SYMBOLS[quality], ""
    return value, flag, _("quality mark '%(mark)s'") % {"mark": quality}


def _genesis_combo(record, variables, result, breakdowns, line):
    """Area, breakdown and month of one combination of variable codes, noting new areas and
    dimensions; None after noting a problem.

    `breakdowns` maps the codes of a breakdown to its (dims, dim_key, month): every row with
    that breakdown shares them, whatever its area."""
    area, codes = None, []
    for i_code, i_label, i_attr, i_attr_label in variables:
        code, attr = record[i_code], record[i_attr]
        kind = regional_kind(code) if code else None
        if kind:
            area = official_code(kind, attr)
            if area not in result.areas:
                name = record[i_attr_label] if i_attr_label is not None else attr
                result.areas[area] = {"name": name, "kind": kind}
        elif kind == "":
            label = record[i_label] if i_label is not None else code
            problem = _(
                "the regional variable %(code)s (%(label)s) cannot be imported; download the table by Gemeinden, Kreise, Länder or Germany."
            ) % {"code": code, "label": label}
            if not any(p.message == problem for p in result.problems):
                result.problems.append(Problem(line, f"{code}", problem, code))
            return None
        elif code:
            codes.append((code, attr))
    if area is None:
        area = "DG"
        result.areas.setdefault("DG", {"name": _("Germany"), "kind": "country"})
    breakdown = breakdowns.get(tuple(codes))
    if breakdown is None:
        breakdown = breakdowns[tuple(codes)] = _genesis_breakdown(record, variables, result)
    return area, *breakdown


def _genesis_breakdown(record, variables, result):
    """(dims, dim_key, month) of the classifying variables of a row, noting new dimensions and
    values; month: the last month of the part of the year a time variable gives, or None."""
    dims, month = {}, None
    for i_code, i_label, i_attr, i_attr_label in variables:
        code, attr = record[i_code], record[i_attr]
        if not code or regional_kind(code) is not None:
            continue
        if code in TIME_VARIABLES:
            if not attr:  # the whole year
                continue
            digits = re.search(r"(\d+)$", attr)
            if digits and 1 <= int(digits.group(1)) * TIME_VARIABLES[code] <= 12:
                month = int(digits.group(1)) * TIME_VARIABLES[code]
                continue
        dim, value_key = code.lower(), attr or TOTAL_KEY
        spec = result.dimensions.setdefault(
            dim, {"label": record[i_label] if i_label is not None else code, "values": {}, "total": None}
        )
        if value_key not in spec["values"]:
            label = record[i_attr_label] if i_attr_label is not None else value_key
            spec["values"][value_key] = label or _("Total")
            if not attr or label.strip().lower() == "insgesamt":
                spec["total"] = value_key
        dims[dim] = value_key
    return dims, dimension_key(dims), month


def _period_end(date: datetime.date, month: int) -> datetime.date:
    """The last day of `month` in the year of `date`."""
    return datetime.date(date.year, month, calendar.monthrange(date.year, month)[1])


_MONTH = re.compile(r"(\d{4})-(\d{2})|(\d{2})\.(\d{4})|(\d{4})(\d{2})")
_QUARTER = re.compile(r"(\d{4})[ -]?Q([1-4])|([1-4])\. ?Quartal (\d{4})", re.IGNORECASE)
_SPAN = re.compile(r"(?:[A-Za-z]+ )?(\d{4})/(\d{2}|\d{4})")


def _genesis_date(code: str, text: str) -> datetime.date:
    """The reference date of a time cell: a day (STAG) as 2024-12-31, as the current flat files
    of all three databases write it, or 31.12.2024; a year (JAHR; any type) -> 31.12.; a month
    (2024-05, 05.2024, 202405) or a quarter (2024-Q2) -> its last day; a school or academic
    year, Wirtschaftsjahr … (2023/24, SJAHR) -> 31.12. of its first year, the year the school
    and university statistics count in (autumn, 1 December). ValueError otherwise."""
    text = text.strip()
    if len(text) == 4 and text.isdigit():
        return datetime.date(int(text), 12, 31)
    try:
        return parse_date(text)
    except ValueError:
        pass
    if match := _MONTH.fullmatch(text):
        year, month = (int(g) for g in match.groups() if g is not None)
        if match.group(3):
            year, month = month, year
        if 1 <= month <= 12:
            return _period_end(datetime.date(year, 12, 31), month)
    elif match := _QUARTER.fullmatch(text):
        year, quarter = (int(g) for g in match.groups() if g is not None)
        if match.group(3):
            year, quarter = quarter, year
        return _period_end(datetime.date(year, 12, 31), 3 * quarter)
    elif match := _SPAN.fullmatch(text):
        return datetime.date(int(match.group(1)), 12, 31)
    raise ValueError(text)
