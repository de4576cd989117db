"""The API's addresses: the operations declared with django-ninja (see api.py) under their
usual names, each answering GET and HEAD only (405 otherwise, like the rest of the portal)."""

from django.urls import path
from django.views.decorators.http import require_safe

from . import api

operations, _app, _namespace = api.ninja_api.urls

urlpatterns = [
    path("openapi.json", api.openapi, name="api-openapi"),
    *(
        path(str(p.pattern), require_safe(p.callback), name=p.name)
        for p in operations
        if p.name != "api-root"  # ninja's placeholder; the index answers at the root
    ),
]
