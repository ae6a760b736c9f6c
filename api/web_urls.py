"""The API's web pages: 登录设备 under /me/ (included by config.urls before volunteers')."""

from django.urls import path

from api import views

app_name = "api_web"

urlpatterns = [
    path("me/security/", views.security, name="security"),
    path("me/security/<int:pk>/revoke/", views.security_revoke, name="security_revoke"),
    path("me/security/revoke-all/", views.security_revoke_all, name="security_revoke_all"),
]
