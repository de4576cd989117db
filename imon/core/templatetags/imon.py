from decimal import Decimal

from django import template

from imon.core import periods
from imon.core.numbers import format_number

register = template.Library()


@register.filter
def number(value, decimals=None):
    """166737 -> 166.737; with decimals: 15.7 -> 15,7. Empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, str)):  # a snapshot keeps decimals as text
        value = Decimal(value)
    return format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def period(value):
    """A date as the concept file or a status update keeps it, as the city writes it:
    2025-03-14 -> 14.03.2025; "3. Quartal 2025" stays. Empty for none."""
    return periods.show(value)
