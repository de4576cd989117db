from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from imon.core import data_views, views
from imon.ops.throttle import LoginForm
from imon.reports import confidentiality_views
from imon.reports import views as report_views
from imon.steering import views as steering_views

urlpatterns = [
    path("", steering_views.home, name="home"),
    path("daten/importe/", data_views.import_upload, name="data-import"),
    path("daten/abrufe/", data_views.fetch_overview, name="data-fetches"),
    path("daten/importe/<str:token>/bestaetigen/", data_views.import_confirm, name="data-import-confirm"),
    path("daten/importe/<int:pk>/zuruecknehmen/", data_views.import_rollback, name="data-import-rollback"),
    path("daten/vorlage/<str:key>.<str:fmt>", data_views.import_template, name="data-import-template"),
    path("daten/geheimhaltung/", confidentiality_views.confidentiality_overview, name="data-confidentiality"),
    path("berichte/", report_views.snapshot_list, name="reports"),
    path("berichte/<int:number>.<str:fmt>", report_views.report_download, name="report-download"),
    path("berichte/<int:number>/veroeffentlichen/", report_views.snapshot_publish, name="report-publish"),
    path("steuerung/", include("imon.steering.urls")),
    path(
        "anmelden/",
        auth_views.LoginView.as_view(
            template_name="steering/login.html",
            next_page="steering-dashboard",
            authentication_form=LoginForm,  # LoginForm: German lock message
        ),
        name="login",
    ),
    path("portal/", include("imon.portal.urls")),
    path("api/v1/", include("imon.portal.api_urls")),
    path("", include("imon.ops.urls")),  # second factor, password reset (before the admin)
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

# A German 503 page when the database is unreachable, else the usual 500 page.
handler500 = "imon.ops.views.server_error"
handler404 = "imon.ops.views.page_not_found"  # the portal's own 404 page for portal addresses
