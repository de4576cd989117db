from decimal import Decimal

from django import template

from imon.core import periods
from imon.core.numbers import format_day, format_number, format_percent, shown_language

register = template.Library()


@register.filter
def number(value, decimals=None):
    """166737 -> 166.737; with decimals: 15.7 -> 15,7. Empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, str)):  # a snapshot keeps decimals as text
        value = Decimal(value)
    return format_number(value, None if decimals in (None, "") else int(decimals), lang=shown_language())


@register.filter
def percent(value, decimals=None):
    """15.7 -> "15,7 %" (German), "15.7%" (English) …, in the language of the page. Empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, str)):
        value = Decimal(value)
    return format_percent(value, None if decimals in (None, "") else int(decimals), lang=shown_language())


@register.filter
def day(value):
    """A date in the language of the page: 31.12.2018 (German), Dec 31, 2018 (English) …"""
    if not value:
        return ""
    return format_day(value, lang=shown_language())


@register.filter
def period(value):
    """A date as the concept file or a status update keeps it, as the city writes it:
    2025-03-14 -> 14.03.2025; "3. Quartal 2025" stays. Empty for none."""
    return periods.show(value)


@register.simple_tag(takes_context=True)
def vocabulary(context):
    """The words of the stored concept (office, council, level names), once per rendering:
    `{% vocabulary as words %}`."""
    from imon.core.vocabulary import vocabulary as of_concept

    cache = context.render_context
    if "imon_vocabulary" not in cache:
        cache["imon_vocabulary"] = of_concept()
    return cache["imon_vocabulary"]
