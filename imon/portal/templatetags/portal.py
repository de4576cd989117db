"""Template tags of the public portal."""

import html
from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode, url
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from imon.portal.content import KeptWith

register = template.Library()


@lru_cache(maxsize=8192)
def _reverse(prefix: str, view_name: str, args: tuple) -> str:
    return reverse(view_name, args=args)


class RememberedURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = tuple(str(arg.resolve(context)) for arg in self.args)
        link = _reverse(get_script_prefix(), self.view_name.resolve(context), args)
        if self.asvar:
            context[self.asvar] = link
            return ""
        return conditional_escape(link) if context.autoescape else link


@register.tag
def portal_url(parser, token):
    """Like {% url %}, with positional arguments only, but each link is worked out once per
    process: the URL configuration does not change while it runs, and resolving a link the
    ordinary way costs about 50 µs, a fifth of rendering a portal page."""
    node = url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.simple_tag
def status_label(code: str | None) -> str:
    """The label of a measure's status in the visitor's language (the snapshot freezes only the
    German labels, for the report)."""
    from imon.core.models import MeasureState

    return str(dict(MeasureState.Status.choices).get(code or "unknown", ""))


@register.simple_tag
def traffic_light_label(code: str | None) -> str:
    """The label of a traffic light (a goal's assessment) in the visitor's language, in words:
    the colour is never the only sign."""
    from imon.core.models import TrafficLight

    return str(dict(TrafficLight.choices).get(code or "", ""))


@register.simple_tag(takes_context=True)
def level_name(context, level: str) -> str:
    """The name of a level of the concept ("field", "fields", "goals"): in German the concept's own
    word (Themenfeld, Leitziele …), in the other languages the translated general term."""
    from django.utils.translation import gettext as _

    published = context.get("published")
    if context.get("lang") == "de" and published is not None:
        return getattr(published.vocabulary, level)
    general = {"field": _("Field of action"), "fields": _("Fields of action"), "goals": _("Goals")}
    return general[level]


# The rows of a data table are written here, not by template loops: an indicator page of an Open
# SDG site has tables of hundreds of rows, and a template renders each cell through half a dozen
# nodes (a third of the time of exporting such a site). The markup is the template's.


def _lang(lang: str) -> str:
    return "" if lang == "de" else f' lang="{conditional_escape(lang)}"'


def _cell(value) -> str:
    """A cell as the template writes a variable: localised, escaped (a plain text, most cells,
    as Django's escape writes it, without its detours)."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(localize(value))


# The rows of a table are written once per table and language (see content.KeptWith).
_WRITTEN = KeptWith(256)


def _figure_rows(rows, lang: str) -> str:
    numeric = f'<td class="num"{_lang(lang)}>'
    return mark_safe(  # noqa: S308 - every cell escaped here
        "".join(
            f'<tr><th scope="row">{_cell(row[0])}</th>'
            + "".join(f"{numeric}{_cell(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in rows
        )
    )


@register.simple_tag
def figure_rows(rows, lang: str) -> str:
    """<tr>s of a figure's data table: the name of the row, then its numbers."""
    return _WRITTEN.get(rows, lang, _figure_rows)


def _table_rows(table, lang: str) -> str:
    numeric = f'<td class="num"{_lang(lang)}>'
    return mark_safe(  # noqa: S308 - every cell escaped here
        "".join(
            f'<tr><th scope="row">{_cell(row[0][0])}</th>'
            + "".join(f"{numeric if num else '<td>'}{_cell(cell)}</td>" for cell, num in row[1:])
            + "</tr>"
            for row in table.cells
        )
    )


@register.simple_tag
def table_rows(table, lang: str) -> str:
    """<tr>s of a table (a Table block), its figures marked as numbers."""
    return _WRITTEN.get(table, lang, _table_rows)
