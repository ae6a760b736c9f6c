from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("me/", views.me, name="me"),
]

# Roster import and export.
from . import roster_views  # noqa: E402

urlpatterns += [
    path("roster/", roster_views.roster_upload, name="roster_upload"),
    path("roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("roster/export.xlsx", roster_views.roster_export_download, name="roster_export"),
    path("roster/<int:pk>/", roster_views.roster_preview, name="roster_preview"),
    path("roster/<int:pk>/confirm/", roster_views.roster_confirm, name="roster_confirm"),
    path("roster/<int:pk>/discard/", roster_views.roster_discard, name="roster_discard"),
    path("roster/<int:pk>/done/", roster_views.roster_done, name="roster_done"),
]
