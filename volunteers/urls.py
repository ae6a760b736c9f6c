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

# 在职党员报到: the community's poster, the scan, the member's page, the secretary's queue.
from . import report_views  # noqa: E402

urlpatterns += [
    path(
        "communities/<int:pk>/report-poster/",
        report_views.report_poster,
        name="report_poster",
    ),
    path(
        "communities/<int:pk>/report-poster.png",
        report_views.report_poster_png,
        name="report_poster_png",
    ),
    path("report/<str:token>", report_views.report_scan, name="report_scan"),
    path("me/report/", report_views.my_report, name="my_report"),
    path("reports/", report_views.report_queue, name="report_queue"),
    path("reports/<int:pk>/confirm/", report_views.report_confirm_view, name="report_confirm"),
    path("reports/<int:pk>/reject/", report_views.report_reject_view, name="report_reject"),
]

# QR check-in: the volunteer's scan landing, 我的签到码, the organiser's screen, scanner,
# attendance list and export. The scan path takes any text, so junk gets the Chinese refusal.
from django.urls import re_path  # noqa: E402

from . import checkin_views  # noqa: E402

urlpatterns += [
    re_path(r"^c/(?P<token>[\s\S]*)\Z", checkin_views.scan, name="checkin_scan"),
    path("me/code/", checkin_views.my_code, name="my_code"),
    path("me/code.json", checkin_views.my_code_json, name="my_code_json"),
    path("activities/<int:pk>/checkin/", checkin_views.screen, name="checkin_screen"),
    path(
        "activities/<int:pk>/checkin/current.json",
        checkin_views.screen_json,
        name="checkin_screen_json",
    ),
    path("activities/<int:pk>/qr.png", checkin_views.qr_image, name="checkin_qr_png"),
    path("activities/<int:pk>/scan/", checkin_views.scanner, name="checkin_scanner"),
    path("activities/<int:pk>/attendance/", checkin_views.attendance, name="checkin_attendance"),
    path(
        "activities/<int:pk>/attendance/<int:attendance_pk>/remove/",
        checkin_views.attendance_withdraw,
        name="checkin_attendance_remove",
    ),
    path(
        "activities/<int:pk>/attendance.xlsx",
        checkin_views.attendance_export,
        name="checkin_attendance_xlsx",
    ),
]

# Activities: the public list and page, signing up and cancelling.
from . import activity_views  # noqa: E402

urlpatterns += [
    path("activities/", activity_views.activity_list, name="activity_list"),
    path("activities/<int:pk>/", activity_views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", activity_views.activity_signup, name="activity_signup"),
    path(
        "activities/<int:pk>/signup/cancel/",
        activity_views.activity_signup_cancel,
        name="activity_signup_cancel",
    ),
]

# 消息中心 and 我的导出.
from . import notification_views  # noqa: E402

urlpatterns += [
    path("me/notifications/", notification_views.my_notifications, name="my_notifications"),
    path(
        "me/notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "me/notifications/read-all/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "me/notifications/preferences/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path("me/exports/", notification_views.my_exports, name="my_exports"),
    path("me/exports/new/", notification_views.export_request, name="export_request"),
    path(
        "me/exports/<int:pk>/download/",
        notification_views.export_download,
        name="export_download",
    ),
]
