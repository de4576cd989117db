from django.urls import path

from . import views

urlpatterns = [
    path("", views.root, name="portal-root"),
    path("daten/alle-daten.zip", views.all_data, name="portal-all-data"),
    path("daten/<str:key>.<str:fmt>", views.indicator_download, name="portal-indicator-download"),
    path("<str:lang>/", views.start, name="portal-start"),
    path("<str:lang>/handlungsfelder/<str:code>/", views.field_of_action, name="portal-field"),
    path("<str:lang>/massnahmen/<str:key>/", views.measure, name="portal-measure"),
    path("<str:lang>/kennzahlen/", views.indicators, name="portal-indicators"),
    path("<str:lang>/kennzahlen/<str:key>/", views.indicator, name="portal-indicator"),
    path("<str:lang>/kennzahlen/<str:key>/gebiet/<str:area>/", views.indicator, name="portal-indicator-area"),
    path("<str:lang>/kennzahlen/<str:key>/stand/<str:date>/", views.indicator, name="portal-indicator-date"),
    path(
        "<str:lang>/kennzahlen/<str:key>/nach/<str:dim>/", views.indicator, name="portal-indicator-breakdown"
    ),
    path("<str:lang>/anlaufstellen/", views.contact_points, name="portal-contact-points"),
    path(
        "<str:lang>/anlaufstellen/thema/<str:code>/", views.contact_points, name="portal-contact-points-topic"
    ),
    path("<str:lang>/anlaufstellen/<str:key>/", views.contact_point, name="portal-contact-point"),
    path("<str:lang>/leichte-sprache/", views.easy_language, name="portal-easy-language"),
    path("<str:lang>/barrierefreiheit/", views.accessibility, name="portal-accessibility"),
    path("<str:lang>/impressum/", views.imprint, name="portal-imprint"),
    path("<str:lang>/datenschutz/", views.privacy, name="portal-privacy"),
]
