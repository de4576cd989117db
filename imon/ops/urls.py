from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("anmelden/zweiter-faktor/", views.otp_verify, name="otp-verify"),
    path("konto/zweiter-faktor/", views.otp_setup, name="otp-setup"),
    # Password reset by e-mail (the admin's German templates; the admin login page links to it).
    path("admin/password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path(
        "admin/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "konto/passwort/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "konto/passwort/fertig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
