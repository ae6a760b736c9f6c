"""Points pages: each feature appends its own block, as in ``volunteers/urls.py``."""

app_name = "points"
urlpatterns = []

# The secretary's branch points table (adjust, reverse, export) and the 双报到 report.
from django.urls import path  # noqa: E402

from . import table_views  # noqa: E402

urlpatterns += [
    path("points/branch/", table_views.branch_table, name="branch_table"),
    path("points/branch/export.xlsx", table_views.branch_table_xlsx, name="branch_table_xlsx"),
    path("points/branch/people/<int:pk>/", table_views.branch_person, name="branch_person"),
    path("points/branch/people/<int:pk>/adjust/", table_views.branch_adjust, name="branch_adjust"),
    path(
        "points/branch/entries/<int:pk>/reverse/",
        table_views.branch_reverse,
        name="branch_reverse",
    ),
    path("points/dual-report/", table_views.dual_report, name="dual_report"),
    path("points/dual-report/export.xlsx", table_views.dual_report_xlsx, name="dual_report_xlsx"),
]
