from django import template

from imon.steering import permissions

register = template.Library()


@register.simple_tag
def steering_roles(user) -> dict:
    """What the navigation may offer the user."""
    return {"reads_all": permissions.can_read_all(user), "ki": permissions.is_ki(user)}
