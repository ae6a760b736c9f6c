"""The points pages' shell: one stylesheet for every page, one refusal page for every refusal."""

import datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from points.models import Category, RankingSnapshot
from points.periods import period_bounds
from points.services import points_adjust
from points.services.publication import previous_month, rankings_publish_month

POINTS_CSS = "/static/css/points.css"


def body(response) -> str:
    return response.content.decode()


def test_the_points_stylesheet_keeps_each_page_familys_rules_apart():
    css = Path(finders.find("css/points.css")).read_text(encoding="utf-8")

    # 我的积分 and 排行榜, then each family under its own wrapper.
    for rule in (".points-stats {", ".switches a[aria-current] {", ".ranking-me {"):
        assert rule in css
    assert ".shop {\n  max-width: 52rem;" in css
    assert ".publication {\n  max-width: 44rem;" in css
    assert ".points-table .sums {" in css
    # The same short name differs between families, so neither may be left unscoped.
    assert ".shop .notice {" in css and ".publication .notice {" in css
    assert "\n.notice {" not in css and "\n.lead {" not in css


@pytest.mark.parametrize(
    "name",
    ["my_points", "rankings", "shop", "my_redemptions", "my_certificates", "my_objections"],
)
def test_a_persons_points_pages_load_the_stylesheet_and_inline_no_styles(client, volunteer, name):
    client.force_login(volunteer.user)

    html = body(client.get(reverse(f"points:{name}")))

    assert POINTS_CSS in html
    assert "<style" not in html


@pytest.mark.parametrize(
    "name", ["branch_table", "objection_queue", "shop_hand_over", "shop_report"]
)
def test_a_secretarys_points_pages_load_the_stylesheet_and_inline_no_styles(
    client, secretary, name
):
    client.force_login(secretary)

    html = body(client.get(reverse(f"points:{name}")))

    assert POINTS_CSS in html
    assert "<style" not in html


# --- One refusal page ------------------------------------------------------------------


def assert_refusal(response, status: int, title: str, message: str) -> None:
    html = body(response)
    assert response.status_code == status
    assert response.templates[0].name == "refusal.html"
    assert f'<h1 class="page-title">{title}</h1>' in html
    assert f'<p class="lead" role="alert">{message}</p>' in html
    assert f'href="{reverse("volunteers:me")}">返回我的</a>' in html


@pytest.fixture
def no_person(django_user_model):
    return django_user_model.objects.create_user(username="no-person", password="shazhou2026")


def test_the_shop_refuses_an_account_without_a_person_on_the_refusal_page(client, no_person):
    client.force_login(no_person)

    assert_refusal(
        client.get(reverse("points:my_redemptions")),
        403,
        "账号未关联人员信息",
        "您的账号还没有关联志愿者信息，不能兑换。请联系所在社区的工作人员为账号关联信息。",
    )


def test_certificates_refuse_an_account_without_a_person_on_the_refusal_page(client, no_person):
    client.force_login(no_person)

    assert_refusal(
        client.get(reverse("points:my_certificates")),
        403,
        "账号未关联人员信息",
        "您的账号还没有关联志愿者信息，不能开具证明。请联系所在社区的工作人员。",
    )


def test_an_objection_without_a_person_is_refused_on_the_refusal_page(
    client, no_person, volunteer, secretary
):
    month = previous_month(timezone.now())
    points_adjust(
        person=volunteer,
        amount=3,
        category=Category.REWARD,
        reason="测试加分",
        by=secretary,
        occurred_at=period_bounds(month)[0] + datetime.timedelta(days=2),
    )
    rankings_publish_month(month=month)
    client.force_login(no_person)

    assert_refusal(
        client.get(reverse("points:objection_lodge", args=[RankingSnapshot.objects.first().pk])),
        403,
        "账号未关联人员信息",
        "您的账号还没有关联人员信息，不能提出异议。请联系所在社区的工作人员。",
    )


def test_the_points_table_refuses_an_unknown_period_on_the_refusal_page(client, secretary):
    client.force_login(secretary)

    assert_refusal(
        client.get(reverse("points:branch_table"), {"period": "2026-13"}),
        400,
        "期间有误",
        "没有“2026-13”这个期间。请从页面上的列表选择月份、季度或年度。",
    )
