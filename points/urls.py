"""Points pages, one block per feature."""

from django.urls import path

from points.views import (
    certificates,
    dashboard,
    deliveries,
    dual_report,
    publication,
    rankings,
    shop,
    tables,
)

app_name = "points"

# The secretary's branch points table (adjust, reverse, export) and the 双报到 report.
urlpatterns = [
    path("points/branch/", tables.branch_table, name="branch_table"),
    path("points/branch/export.xlsx", tables.branch_table_xlsx, name="branch_table_xlsx"),
    path("points/branch/people/<int:pk>/", tables.branch_person, name="branch_person"),
    path("points/branch/people/<int:pk>/adjust/", tables.branch_adjust, name="branch_adjust"),
    path(
        "points/branch/entries/<int:pk>/reverse/",
        tables.branch_reverse,
        name="branch_reverse",
    ),
    path("points/dual-report/", dual_report.dual_report, name="dual_report"),
    path("points/dual-report/export.xlsx", dual_report.dual_report_xlsx, name="dual_report_xlsx"),
    path(
        "points/dual-report/deliveries/",
        deliveries.dual_report_deliveries,
        name="dual_report_deliveries",
    ),
    path(
        "points/dual-report/deliveries/<int:pk>/download/",
        deliveries.dual_report_delivery_download,
        name="dual_report_delivery_download",
    ),
]

# 爱心超市 and 志愿服务记录证明: shelves, redeeming, 我的兑换, the counter, the monthly
# report; the person's certificates, their PDF, the public check page and revocation.
urlpatterns += [
    path("shop/", shop.shop_index, name="shop"),
    path("shop/hand-over/", shop.shop_hand_over, name="shop_hand_over"),
    path("shop/hand-over/cancel/", shop.shop_cancel, name="shop_cancel"),
    path("shop/report/", shop.shop_report, name="shop_report"),
    path("shop/report.xlsx", shop.shop_report_xlsx, name="shop_report_xlsx"),
    path("shop/rewards/<int:pk>/redeem/", shop.reward_redeem_view, name="reward_redeem"),
    path("shop/<slug:community>/", shop.shop_community, name="shop_community"),
    path("me/redemptions/", shop.my_redemptions, name="my_redemptions"),
    path(
        "me/redemptions/<int:pk>/cancel/",
        shop.my_redemption_cancel,
        name="my_redemption_cancel",
    ),
    path("me/certificates/", certificates.my_certificates, name="my_certificates"),
    path(
        "me/certificates/<str:number>.pdf",
        certificates.certificate_download,
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:number>/",
        certificates.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<str:number>/revoke/",
        certificates.certificate_revoke_view,
        name="certificate_revoke",
    ),
]

# 我的积分 and the ranking page (排行榜).
urlpatterns += [
    path("me/points/", rankings.my_points, name="my_points"),
    path("rankings/", rankings.rankings, name="rankings"),
]

# 公示: a published ranking, objections to it, the secretary's queue.
urlpatterns += [
    path(
        "rankings/published/<int:pk>/",
        publication.snapshot_detail,
        name="snapshot_detail",
    ),
    path(
        "rankings/published/<int:pk>/objection/",
        publication.objection_lodge_view,
        name="objection_lodge",
    ),
    path("me/objections/", publication.my_objections, name="my_objections"),
    path("objections/", publication.objection_queue, name="objection_queue"),
    path(
        "objections/<int:pk>/answer/",
        publication.objection_answer_view,
        name="objection_answer",
    ),
]

# 全镇概况: the town's and communities' figures, charts and their .xlsx.
urlpatterns += [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard.dashboard_xlsx, name="dashboard_xlsx"),
]
