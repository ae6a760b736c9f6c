"""爱心超市 for the community's staff: the monthly report, and the catalogue in the
Wagtail admin (only their own community's, and restocking never undoes a redemption)."""

import io
import re

import pytest
from django.utils import timezone

from core.errors import DomainError
from points.admin_views.rewards import RewardAdminForm
from points.models import Redemption, Reward
from points.services.rewards import redemption_hand_over, reward_redeem
from volunteers.models import AuditEvent

# --- The monthly report ------------------------------------------------------------------


def test_the_monthly_report_lists_and_exports_the_communitys_redemptions(
    client, redemption, secretary, town
):
    from openpyxl import load_workbook

    redemption_hand_over(code=redemption.code, by=secretary)
    month = timezone.localtime(redemption.created_at).strftime("%Y-%m")
    client.force_login(secretary)
    page = client.get("/shop/report/", {"community": town.liyuan.pk, "month": month})
    html = page.content.decode()
    assert "共 1 笔兑换：已领取 1，待领取 0，已取消 0；消耗积分 10。" in html
    assert redemption.display_code in html

    export = client.get("/shop/report.xlsx", {"community": town.liyuan.pk, "month": month})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book["兑换明细"].iter_rows(values_only=True))
    assert rows[1][1:7] == (
        redemption.display_code,
        "洗衣粉",
        "李志愿",
        redemption.person.masked_phone,
        10,
        "已领取",
    )
    totals = list(book["按商品汇总"].iter_rows(values_only=True))
    assert totals[1] == ("洗衣粉", 1, 1, 0, 10)


def test_the_report_refuses_a_bad_month_and_another_community(
    client, redemption, secretary, town, person_with_role, Role
):
    client.force_login(secretary)
    bad = client.get("/shop/report/", {"month": "2026-13"})
    assert bad.status_code == 400
    assert "月份格式应为 2026-05" in bad.content.decode()
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    client.force_login(qiaobei)
    other = client.get("/shop/report.xlsx", {"community": town.liyuan.pk})
    assert other.status_code == 400
    assert "请选择您管理的社区" in other.content.decode()


# --- The catalogue in the Wagtail admin ---------------------------------------------------


ADMIN = "/admin/snippets/points/reward/"


def test_a_secretary_keeps_only_their_own_communitys_catalogue(
    client, secretary, make_reward, town, person_with_role, Role
):
    own = make_reward(name="毛巾")
    other = make_reward(name="肥皂", community=town.qiaobei)
    client.force_login(secretary)
    listing = client.get(ADMIN).content.decode()
    assert "毛巾" in listing and "肥皂" not in listing
    assert client.get(f"{ADMIN}edit/{own.pk}/").status_code == 200
    assert client.get(f"{ADMIN}edit/{other.pk}/").status_code == 404

    response = client.post(
        f"{ADMIN}add/",
        {
            "community": town.qiaobei.pk,
            "name": "越权商品",
            "description": "",
            "image": "",
            "price": 5,
            "stock": 3,
            "per_person_limit": 1,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "只能选择您管理的社区" in response.content.decode()
    assert not Reward.objects.filter(name="越权商品").exists()

    created = client.post(
        f"{ADMIN}add/",
        {
            "community": town.liyuan.pk,
            "name": "香皂",
            "description": "",
            "image": "",
            "price": 5,
            "stock": 3,
            "per_person_limit": 2,
            "available_from": "",
            "available_until": "",
            "active": "on",
        },
    )
    assert created.status_code == 302
    created = Reward.objects.get(name="香皂")
    assert (created.community, created.stock) == (town.liyuan, 3)  # a new one takes the number


def edit_form(reward, **changes):
    """What the admin's edit form posts for ``reward``, as loaded, with ``changes``."""
    data = {
        "community": reward.community_id,
        "name": reward.name,
        "description": reward.description,
        "image": "",
        "price": reward.price,
        "stock": reward.stock,  # a browser leaves out a disabled field; a forged post does not
        "stock_change": "",
        "per_person_limit": reward.per_person_limit,
        "available_from": "",
        "available_until": "",
        "active": "on",
    }
    data.update(changes)
    return data


def test_saving_the_reward_form_does_not_undo_a_redemption_made_meanwhile(
    client, secretary, make_reward, rich_volunteer
):
    reward = make_reward(name="洗衣粉", stock=5)
    client.force_login(secretary)
    form = client.get(f"{ADMIN}edit/{reward.pk}/").content.decode()
    assert re.search(r'<input[^>]*name="stock"[^>]*disabled', form)
    assert 'name="stock_change"' in form and "增加/减少库存" in form
    loaded = Reward.objects.get(pk=reward.pk)  # the editor's copy, stock 5

    reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)  # stock 4

    saved = client.post(f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, name="洗衣粉（大袋）"))

    assert saved.status_code == 302
    reward.refresh_from_db()
    assert reward.name == "洗衣粉（大袋）"  # the edit is saved ...
    assert reward.stock == 4  # ... and the redemption is not undone
    assert not AuditEvent.objects.filter(action="shop.restock").exists()


def test_restocking_in_the_admin_adds_to_the_stock_as_it_is_now(
    client, secretary, make_reward, rich_volunteer
):
    reward = make_reward(stock=5)
    client.force_login(secretary)
    loaded = Reward.objects.get(pk=reward.pk)
    reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)  # stock 4

    saved = client.post(f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, stock_change="10"))

    assert saved.status_code == 302
    reward.refresh_from_db()
    assert reward.stock == 14
    audit = AuditEvent.objects.get(action="shop.restock")
    assert audit.actor == secretary
    assert (audit.extra["delta"], audit.extra["stock"]) == (10, 14)
    listing = client.get(saved["Location"]).content.decode()
    assert "库存已调整 +10 件，现有 14 件。" in listing


def test_taking_more_out_than_is_in_stock_is_refused_and_nothing_is_saved(
    client, secretary, make_reward
):
    reward = make_reward(stock=2)
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}edit/{reward.pk}/", edit_form(reward, name="改名", stock_change="-3")
    )
    assert response.status_code == 200
    assert "库存不足：现有 2 件，不能减少 3 件。" in response.content.decode()
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("洗衣粉", 2)


def test_restock_refuses_going_below_zero_even_when_the_form_saw_enough(
    client, secretary, make_reward, rich_volunteer, monkeypatch
):
    reward = make_reward(stock=1)
    loaded = Reward.objects.get(pk=reward.pk)
    original_clean = RewardAdminForm.clean

    def clean_then_someone_redeems(form):
        cleaned = original_clean(form)  # it saw 1 in stock: taking 1 out looks fine
        reward_redeem(reward=reward, person=rich_volunteer, by=rich_volunteer.user)
        return cleaned

    monkeypatch.setattr(RewardAdminForm, "clean", clean_then_someone_redeems)
    client.force_login(secretary)
    response = client.post(
        f"{ADMIN}edit/{reward.pk}/", edit_form(loaded, name="改名", stock_change="-1")
    )

    assert response.status_code == 200
    assert "库存不足：现有 0 件，不能减少 1 件。" in response.content.decode()
    reward.refresh_from_db()
    assert (reward.name, reward.stock) == ("洗衣粉", 0)  # the whole save rolled back
    assert Redemption.objects.filter(reward=reward).count() == 1
    assert not AuditEvent.objects.filter(action="shop.restock").exists()


def test_a_copied_reward_types_its_starting_stock(client, secretary, make_reward):
    reward = make_reward(stock=7)
    client.force_login(secretary)
    html = client.get(f"{ADMIN}copy/{reward.pk}/").content.decode()
    stock = re.search(r'<input[^>]*name="stock"[^>]*>', html).group(0)
    assert 'value="7"' in stock and "disabled" not in stock
    assert 'name="stock_change"' not in html


def test_only_the_communitys_shop_staff_restock(make_reward, person_with_role, town, Role):
    from points.services.rewards import reward_restock

    reward = make_reward(stock=3)
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    with pytest.raises(DomainError) as refusal:
        reward_restock(reward=reward, delta=5, by=qiaobei)
    assert refusal.value.code == "forbidden"
    reward.refresh_from_db()
    assert reward.stock == 3
