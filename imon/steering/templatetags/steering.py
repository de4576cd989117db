from decimal import Decimal

from django import template

from imon.core.numbers import format_number
from imon.steering import logic, permissions

register = template.Library()


@register.simple_tag
def steering_roles(user) -> dict:
    """What the navigation may offer the user."""
    return {"reads_all": permissions.can_read_all(user), "ki": permissions.is_ki(user)}


@register.filter
def figure(value, decimals=None):
    """A controlling figure the German way (12; 0,5; 1.234,50 with decimals=2); "–" when empty."""
    if value is None or value == "":
        return "–"
    return format_number(Decimal(value), None if decimals in (None, "") else int(decimals))


@register.filter
def label(name: str) -> str:
    """The one German label of a field of the status update (its verbose name)."""
    return logic.field_label(name)
