from django import template

from imon.ops.safety import http_url as _http_url

register = template.Library()


@register.filter
def http_url(value):
    """The URL if it is an http(s) or mailto link, else an empty string: never a javascript: or data: link."""
    return _http_url(value)
