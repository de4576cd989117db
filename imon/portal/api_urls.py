from django.urls import path

from . import api

urlpatterns = [
    path("", api.index, name="api-index"),
    path("openapi.json", api.openapi, name="api-openapi"),
    path("catalog.jsonld", api.catalogue, name="api-catalogue"),
    path("fields-of-action.json", api.fields, name="api-fields"),
    path("measures.json", api.measures, name="api-measures"),
    path("indicators.json", api.indicators, name="api-indicators"),
    path(
        "indicators/<str:key>/observations.json",
        api.indicator_observations,
        name="api-indicator-observations",
    ),
    path("observations.json", api.observations, name="api-observations"),
    path("contact-points.json", api.contact_points, name="api-contact-points"),
]
