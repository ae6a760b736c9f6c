"""爱心超市: handing a redemption over once, and cancelling it (by the person, or by the
community's staff at the counter)."""

import re

import pytest
from django.test import Client

from core.errors import DomainError
from points.models import Kind, PointsEntry, Redemption, Reward
from points.services.rewards import redemption_cancel, redemption_hand_over, reward_redeem
from volunteers.models import AuditEvent

from .test_reward_redeeming import balance

HAND_OVER = "/shop/hand-over/"


# --- Handing over and cancelling ------------------------------------------------------


def test_a_code_hands_over_once(redemption, secretary):
    handed = redemption_hand_over(code=redemption.code, by=secretary)
    assert handed.status == Redemption.Status.HANDED_OVER
    assert handed.handed_over_by == secretary
    assert AuditEvent.objects.filter(action="shop.hand_over", extra__code=redemption.code).exists()

    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=secretary)
    assert refusal.value.message == "已兑换，不能重复使用。"
    assert AuditEvent.objects.filter(action="shop.hand_over").count() == 1


def test_a_typed_code_may_be_lower_case_with_a_dash(redemption, secretary):
    typed = f" {redemption.code[:4].lower()}-{redemption.code[4:].lower()} "
    assert redemption_hand_over(code=typed, by=secretary).pk == redemption.pk


def test_an_unknown_or_malformed_code_is_refused(redemption, secretary):
    with pytest.raises(DomainError) as unknown:
        redemption_hand_over(code="ABCD-EFGH", by=secretary)
    assert unknown.value.message == "没有这个兑换码，请核对后重新输入。"
    with pytest.raises(DomainError) as malformed:
        redemption_hand_over(code="12", by=secretary)
    assert "8 位" in malformed.value.message
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_only_the_communitys_shop_staff_hand_over(redemption, person_with_role, town, Role):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    leader = person_with_role(Role.LEADER, town.team, real_name="队长").user
    for user in (qiaobei, leader, redemption.person.user):
        with pytest.raises(DomainError) as refusal:
            redemption_hand_over(code=redemption.code, by=user)
        assert refusal.value.code == "forbidden"
        assert "梨园社区" in refusal.value.message
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_cancelling_before_hand_over_returns_points_and_stock(redemption, verify_clean):
    person = redemption.person
    assert balance(person) == 40

    cancelled = redemption_cancel(redemption=redemption, by=person.user)

    assert cancelled.status == Redemption.Status.CANCELLED
    assert balance(person) == 50
    redemption.reward.refresh_from_db()
    assert redemption.reward.stock == 5
    reversal = PointsEntry.objects.get(reverses=redemption.entry)
    assert (reversal.kind, reversal.amount) == (Kind.REVERSAL, 10)
    assert AuditEvent.objects.filter(action="shop.cancel", extra__refunded=10).exists()
    verify_clean()
    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=None)
    assert refusal.value.code in {"forbidden", "cancelled"}


def test_a_cancelled_code_cannot_be_handed_over(redemption, secretary):
    redemption_cancel(redemption=redemption, by=secretary, reason="居民不要了")
    with pytest.raises(DomainError) as refusal:
        redemption_hand_over(code=redemption.code, by=secretary)
    assert refusal.value.message == "这张兑换码已取消，不能领取。"


def test_after_hand_over_cancelling_is_refused(redemption, secretary):
    redemption_hand_over(code=redemption.code, by=secretary)
    with pytest.raises(DomainError) as refusal:
        redemption_cancel(redemption=redemption, by=redemption.person.user)
    assert refusal.value.message == "商品已领取，不能取消兑换。"
    assert balance(redemption.person) == 40
    assert not PointsEntry.objects.filter(reverses=redemption.entry).exists()


# --- The counter's page and my redemptions -----------------------------------------------


def test_the_qr_link_opens_the_counter_and_hands_over_once(client, redemption, secretary):
    client.force_login(secretary)
    looked_up = client.get(HAND_OVER, {"code": redemption.code})
    html = looked_up.content.decode()
    assert "可以发放" in html
    assert redemption.person.real_name in html
    assert redemption.person.phone not in html  # masked

    handed = client.post(HAND_OVER, {"code": redemption.code}, follow=True)
    assert "已发放：李志愿 兑换的“洗衣粉”" in handed.content.decode()

    again = client.post(HAND_OVER, {"code": redemption.code})
    assert again.status_code == 409
    assert "已兑换，不能重复使用" in again.content.decode()


def test_another_communitys_secretary_sees_neither_the_person_nor_a_button(
    client, redemption, person_with_role, town, Role
):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    client.force_login(qiaobei)
    response = client.get(HAND_OVER, {"code": redemption.code})
    assert response.status_code == 403
    html = response.content.decode()
    assert "只能由该社区的书记（管理员）发放" in html
    assert redemption.person.real_name not in html
    assert client.post(HAND_OVER, {"code": redemption.code}).status_code == 403
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_a_volunteer_cannot_open_the_counter(client, rich_volunteer):
    client.force_login(rich_volunteer.user)
    response = client.get(HAND_OVER)
    assert response.status_code == 403
    assert "书记（管理员）" in response.content.decode()


def test_cancelling_from_my_redemptions_returns_the_points(client, redemption):
    client.force_login(redemption.person.user)
    response = client.post(f"/me/redemptions/{redemption.pk}/cancel/", follow=True)
    assert "已取消兑换“洗衣粉”，10 积分已退回" in response.content.decode()
    assert balance(redemption.person) == 50


def test_nobody_cancels_someone_elses_redemption_from_the_page(client, redemption, make_person):
    client.force_login(make_person(real_name="王路人").user)
    assert client.post(f"/me/redemptions/{redemption.pk}/cancel/").status_code == 404
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


# --- Staff cancel at the counter -----------------------------------------------------------

CANCEL = "/shop/hand-over/cancel/"


def csrf_client_for(user):
    """A client that must send the CSRF token, with the token from the counter page."""
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    csrf_client.get(HAND_OVER)
    return csrf_client, csrf_client.cookies["csrftoken"].value


def test_staff_cancel_at_the_counter_returns_points_and_stock_and_tells_the_person(
    redemption, secretary, verify_clean
):
    from volunteers.models import Notification

    person, reward = redemption.person, redemption.reward
    assert (balance(person), Reward.objects.get(pk=reward.pk).stock) == (40, 4)
    staff, token = csrf_client_for(secretary)
    counter = staff.get(HAND_OVER, {"code": redemption.code}).content.decode()
    assert 'action="/shop/hand-over/cancel/"' in counter
    assert '<label class="field__label" for="id_reason">取消原因（必填）</label>' in counter

    response = staff.post(
        CANCEL,
        {"csrfmiddlewaretoken": token, "code": redemption.display_code, "reason": " 商品破损 "},
        follow=True,
    )

    html = response.content.decode()
    assert "已取消：李志愿 兑换的“洗衣粉”，10 积分已退回，商品已放回库存。" in html
    assert "已取消" in html and "取消原因：商品破损" in html
    assert "确认发放" not in html  # a cancelled code offers neither button
    assert balance(person) == 50
    assert Reward.objects.get(pk=reward.pk).stock == 5
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.CANCELLED
    assert (redemption.cancelled_by, redemption.cancel_reason) == (secretary, "商品破损")
    reversal = PointsEntry.objects.get(reverses=redemption.entry)
    assert (reversal.amount, reversal.reason) == (10, "商品破损")
    audit = AuditEvent.objects.get(action="shop.cancel")
    assert audit.actor == secretary
    assert audit.extra["reason"] == "商品破损" and audit.extra["refunded"] == 10
    note = Notification.objects.get(recipient=person)
    assert note.kind == Notification.Kind.POINTS
    assert note.title == "兑换已取消：洗衣粉"
    assert "10 积分已退回。原因：商品破损" in note.body
    assert note.url == "/me/redemptions/"
    verify_clean()

    # The person sees the reason in their own list too.
    mine = Client()
    mine.force_login(person.user)
    assert "商品破损" in mine.get("/me/redemptions/").content.decode()


def test_another_communitys_staff_cannot_cancel_at_the_counter(
    redemption, person_with_role, town, Role
):
    qiaobei = person_with_role(Role.SECRETARY, town.qiaobei, real_name="桥北书记").user
    staff, token = csrf_client_for(qiaobei)
    response = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "商品破损"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "这张兑换码属于梨园社区爱心超市，只能由该社区的书记（管理员）取消。" in html
    assert redemption.person.real_name not in html
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED
    assert balance(redemption.person) == 40
    assert not AuditEvent.objects.filter(action="shop.cancel").exists()


def test_a_volunteer_cannot_cancel_someone_elses_redemption_at_the_counter(
    redemption, make_person, town
):
    stranger = make_person(real_name="王路人", home_grid=town.liyuan_grid1).user
    client = Client()
    client.force_login(stranger)
    response = client.post(CANCEL, {"code": redemption.code, "reason": "不要了"})
    assert response.status_code == 403
    assert "书记（管理员）" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_a_handed_over_or_cancelled_redemption_cannot_be_cancelled_at_the_counter(
    redemption, secretary, rich_volunteer, make_reward
):
    redemption_hand_over(code=redemption.code, by=secretary)
    staff, token = csrf_client_for(secretary)
    handed = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "商品破损"}
    )
    assert handed.status_code == 409
    html = handed.content.decode()
    assert "商品已领取，不能取消兑换。" in html
    assert "已领取" in html and 'action="/shop/hand-over/cancel/"' not in html
    assert balance(redemption.person) == 40
    assert not PointsEntry.objects.filter(reverses=redemption.entry).exists()

    other = reward_redeem(
        reward=make_reward(name="毛巾"), person=rich_volunteer, by=rich_volunteer.user
    )
    redemption_cancel(redemption=other, by=rich_volunteer.user)
    again = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": other.code, "reason": "商品破损"}
    )
    assert again.status_code == 409
    assert "这次兑换已经取消过了。" in again.content.decode()
    assert balance(rich_volunteer) == 40  # refunded once, not twice


def test_cancelling_at_the_counter_needs_a_reason_and_keeps_the_form(redemption, secretary):
    from volunteers.models import Notification

    staff, token = csrf_client_for(secretary)
    response = staff.post(
        CANCEL, {"csrfmiddlewaretoken": token, "code": redemption.code, "reason": "   "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写取消原因。" in html
    assert re.search(r'<details class="details" open>\s*<summary>取消兑换</summary>', html)
    assert f'name="code" value="{redemption.code}"' in html
    assert "确认发放" in html  # the redemption is still shown, still reservable
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED
    assert balance(redemption.person) == 40
    assert not Notification.objects.filter(recipient=redemption.person).exists()


def test_an_unknown_code_or_a_missing_csrf_token_cancels_nothing(redemption, secretary):
    client = Client()
    client.force_login(secretary)
    unknown = client.post(CANCEL, {"code": "ABCD-EFGH", "reason": "商品破损"})
    assert unknown.status_code == 404
    assert "没有这个兑换码" in unknown.content.decode()

    no_token = Client(enforce_csrf_checks=True)
    no_token.force_login(secretary)
    refused = no_token.post(CANCEL, {"code": redemption.code, "reason": "商品破损"})
    assert refused.status_code == 403
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED


def test_the_persons_own_cancel_needs_no_reason_and_sends_no_message(client, redemption):
    from volunteers.models import Notification

    client.force_login(redemption.person.user)
    response = client.post(f"/me/redemptions/{redemption.pk}/cancel/", follow=True)
    assert "已取消兑换“洗衣粉”，10 积分已退回" in response.content.decode()
    redemption.refresh_from_db()
    assert redemption.cancel_reason == "本人取消兑换"
    assert Reward.objects.get(pk=redemption.reward_id).stock == 5
    assert not Notification.objects.filter(recipient=redemption.person).exists()
