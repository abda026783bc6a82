from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.security, name="security"),
    path("password/", views.password, name="password"),
    path("otp/", views.otp, name="otp"),
    path("totp/begin/", views.totp_begin, name="totp_begin"),
    path("totp/confirm/", views.totp_confirm, name="totp_confirm"),
    path("totp/disable/", views.totp_disable, name="totp_disable"),
    path("totp/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("audit/", views.audit_log, name="audit"),
]
