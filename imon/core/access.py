"""Who may open a staff page: one decorator for the pages outside the steering area."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse


def staff_permission_required(permission: str):
    """Anonymous visitors go to the staff login page; a logged-in person without `permission`
    (an owner of measures, say) gets the refusal page, not a login page they cannot use."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("login"))
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
