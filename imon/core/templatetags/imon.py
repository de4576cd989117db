from decimal import Decimal

from django import template

from imon.core.numbers import format_number

register = template.Library()


@register.filter
def number(value, decimals=None):
    """166737 -> 166.737; with decimals: 15.7 -> 15,7. Empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        value = Decimal(value)
    return format_number(value, None if decimals in (None, "") else int(decimals))
