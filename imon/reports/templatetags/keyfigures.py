"""Template tags of the key figures at a glance (imon.reports.keyfigures), for the portal's start
page and the staff dashboard: values and changes in words in the page's language."""

from django import template
from django.utils.translation import gettext as _

from imon.core.models import MeasureState, TrafficLight
from imon.core.numbers import shown_language
from imon.reports import keyfigures

register = template.Library()


@register.simple_tag
def headline_value(figure) -> str:
    """A headline figure's value in the page's language ("15,7 %", "166,737")."""
    return keyfigures.value_text(figure, shown_language())


@register.simple_tag
def headline_change(figure) -> str:
    """A headline figure's change since the date before, in words of the page's language."""
    return keyfigures.change_words(figure, shown_language())


@register.simple_tag
def arrow(direction: str) -> str:
    """↑, ↓ or → beside the change in words (never the only sign)."""
    return keyfigures.ARROWS.get(direction, "")


@register.simple_tag
def share_label(share, of: str) -> str:
    """The translated label of a share: a measure's status (of="measures") or a goal's traffic
    light (of="goals"; "" = not assessed)."""
    if of == "goals":
        return str(dict(TrafficLight.choices).get(share.code, "")) if share.code else _("not assessed")
    return str(dict(MeasureState.Status.choices).get(share.code or "unknown", ""))
