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

# 爱心超市 and 志愿服务记录证明: shelves, redeeming, 我的兑换, the counter, the monthly
# report; the person's certificates, their PDF, the public check page and revocation.
from . import certificate_views, shop_views  # noqa: E402

urlpatterns += [
    path("shop/", shop_views.shop_index, name="shop"),
    path("shop/hand-over/", shop_views.shop_hand_over, name="shop_hand_over"),
    path("shop/hand-over/cancel/", shop_views.shop_cancel, name="shop_cancel"),
    path("shop/report/", shop_views.shop_report, name="shop_report"),
    path("shop/report.xlsx", shop_views.shop_report_xlsx, name="shop_report_xlsx"),
    path("shop/rewards/<int:pk>/redeem/", shop_views.reward_redeem_view, name="reward_redeem"),
    path("shop/<slug:community>/", shop_views.shop_community, name="shop_community"),
    path("me/redemptions/", shop_views.my_redemptions, name="my_redemptions"),
    path(
        "me/redemptions/<int:pk>/cancel/",
        shop_views.my_redemption_cancel,
        name="my_redemption_cancel",
    ),
    path("me/certificates/", certificate_views.my_certificates, name="my_certificates"),
    path(
        "me/certificates/<str:number>.pdf",
        certificate_views.certificate_download,
        name="certificate_pdf",
    ),
    path(
        "certificates/<str:number>/",
        certificate_views.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "certificates/<str:number>/revoke/",
        certificate_views.certificate_revoke_view,
        name="certificate_revoke",
    ),
]

# 我的积分 and the ranking page (排行榜).
from . import ranking_views  # noqa: E402

urlpatterns += [
    path("me/points/", ranking_views.my_points, name="my_points"),
    path("rankings/", ranking_views.rankings, name="rankings"),
]

# 公示: a published ranking, objections to it, the secretary's queue.
from . import publication_views  # noqa: E402

urlpatterns += [
    path(
        "rankings/published/<int:pk>/",
        publication_views.snapshot_detail,
        name="snapshot_detail",
    ),
    path(
        "rankings/published/<int:pk>/objection/",
        publication_views.objection_lodge_view,
        name="objection_lodge",
    ),
    path("me/objections/", publication_views.my_objections, name="my_objections"),
    path("objections/", publication_views.objection_queue, name="objection_queue"),
    path(
        "objections/<int:pk>/answer/",
        publication_views.objection_answer_view,
        name="objection_answer",
    ),
]
