from django.urls import path, re_path

from volunteers.views import (
    activities,
    attendance,
    campaigns,
    claim_photos,
    claims,
    joining,
    me,
    needs_resident,
    needs_wall,
    notifications,
    organiser,
    profile,
    projects,
    reports,
    resources,
    roster,
    scan,
)

app_name = "volunteers"
urlpatterns = [
    path("me/", me.me, name="me"),
    path("me/profile/", profile.profile_edit, name="profile_edit"),
]

# 加入申请: the newcomer chooses a community, grid and teams, and may withdraw a request.
urlpatterns += [
    path("me/join/", joining.join, name="join"),
    path("me/join/<int:pk>/withdraw/", joining.join_withdraw, name="join_withdraw"),
]

# Roster import and export.
urlpatterns += [
    path("roster/", roster.roster_upload, name="roster_upload"),
    path("roster/template.xlsx", roster.roster_template, name="roster_template"),
    path("roster/export.xlsx", roster.roster_export_download, name="roster_export"),
    path("roster/<int:pk>/", roster.roster_preview, name="roster_preview"),
    path("roster/<int:pk>/confirm/", roster.roster_confirm, name="roster_confirm"),
    path("roster/<int:pk>/discard/", roster.roster_discard, name="roster_discard"),
    path("roster/<int:pk>/done/", roster.roster_done, name="roster_done"),
]

# 在职党员报到: the community's poster, the scan, the member's page, the secretary's queue.
urlpatterns += [
    path(
        "communities/<int:pk>/report-poster/",
        reports.report_poster,
        name="report_poster",
    ),
    path(
        "communities/<int:pk>/report-poster.png",
        reports.report_poster_png,
        name="report_poster_png",
    ),
    path("report/<str:token>", reports.report_scan, name="report_scan"),
    path("me/report/", reports.my_report, name="my_report"),
    path("reports/", reports.report_queue, name="report_queue"),
    path("reports/<int:pk>/confirm/", reports.report_confirm_view, name="report_confirm"),
    path("reports/<int:pk>/reject/", reports.report_reject_view, name="report_reject"),
]

# QR check-in: the volunteer's scan landing, 我的签到码, the organiser's screen, scanner,
# attendance list and export. The scan path takes any text, so junk gets the Chinese refusal.
urlpatterns += [
    re_path(r"^c/(?P<token>[\s\S]*)\Z", scan.scan, name="checkin_scan"),
    path("scan/", scan.scan_activity, name="scan_activity"),
    path("me/code/", scan.my_code, name="my_code"),
    path("me/code.json", scan.my_code_json, name="my_code_json"),
    path("activities/<int:pk>/checkin/", organiser.screen, name="checkin_screen"),
    path(
        "activities/<int:pk>/checkin/current.json",
        organiser.screen_json,
        name="checkin_screen_json",
    ),
    path("activities/<int:pk>/qr.png", organiser.qr_image, name="checkin_qr_png"),
    path("activities/<int:pk>/scan/", organiser.scanner, name="checkin_scanner"),
    path("activities/<int:pk>/attendance/", attendance.attendance, name="checkin_attendance"),
    path(
        "activities/<int:pk>/attendance/<int:attendance_pk>/remove/",
        attendance.attendance_withdraw,
        name="checkin_attendance_remove",
    ),
    path(
        "activities/<int:pk>/attendance.xlsx",
        attendance.attendance_export,
        name="checkin_attendance_xlsx",
    ),
]

# Activities: the public list and page, signing up and cancelling.
urlpatterns += [
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", activities.activity_signup, name="activity_signup"),
    path(
        "activities/<int:pk>/signup/cancel/",
        activities.activity_signup_cancel,
        name="activity_signup_cancel",
    ),
]

# 消息中心 and 我的导出.
urlpatterns += [
    path("me/notifications/", notifications.my_notifications, name="my_notifications"),
    path(
        "me/notifications/<int:pk>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "me/notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "me/notifications/preferences/",
        notifications.notification_preferences,
        name="notification_preferences",
    ),
    path("me/exports/", notifications.my_exports, name="my_exports"),
    path("me/exports/new/", notifications.export_request, name="export_request"),
    path(
        "me/exports/<int:pk>/download/",
        notifications.export_download,
        name="export_download",
    ),
]

# 微心愿墙 (需求清单, issue 18): the public wall, one need, and 我来认领.
urlpatterns += [
    path("needs/", needs_wall.need_wall, name="need_wall"),
    path("needs/<int:pk>/", needs_wall.need_detail, name="need_detail"),
    path("needs/<int:pk>/claim/", needs_wall.need_claim_view, name="need_claim"),
]

# 项目清单 (issue 18): the quarter's joint projects, one project, 我来认领 on a post.
urlpatterns += [
    path("projects/", projects.project_list, name="project_list"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/posts/<int:pk>/claim/", projects.post_claim_view, name="post_claim"),
]

# 提交微心愿 and 我的微心愿 (issue 18): the resident submits, follows, confirms, withdraws.
urlpatterns += [
    path("needs/new/", needs_resident.need_submit_view, name="need_submit"),
    path("me/needs/", needs_resident.my_needs, name="my_needs"),
    path("me/needs/<int:pk>/withdraw/", needs_resident.my_need_withdraw, name="my_need_withdraw"),
    path(
        "me/needs/claims/<int:pk>/confirm/",
        needs_resident.my_need_claim_confirm,
        name="my_need_claim_confirm",
    ),
]

# 双项认领卡 (issue 18): my claims of a quarter, reporting one done, withdrawing, the PDF.
urlpatterns += [
    path("me/claims/", claims.my_claims, name="my_claims"),
    path("me/claims/card.pdf", claims.claim_card_pdf_view, name="claim_card_pdf"),
    path("me/claims/<int:pk>/report/", claims.claim_report_view, name="claim_report"),
    path("me/claims/<int:pk>/withdraw/", claims.claim_withdraw_view, name="claim_withdraw"),
    # Photos of a service in a resident's home: private, for the claimant, resident and staff.
    path("needs/claims/<int:pk>/photo/", claim_photos.claim_photo, name="claim_photo"),
]

# 四大提升行动 (issue 18): the campaigns with a quarter's figures, one campaign, the report.
urlpatterns += [
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/report.xlsx", campaigns.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
]

# 我提供的资源 (资源清单, issue 18): what a person offers their community, and retiring it.
urlpatterns += [
    path("me/resources/", resources.my_resources, name="my_resources"),
    path("me/resources/<int:pk>/retire/", resources.my_resource_retire, name="my_resource_retire"),
]
