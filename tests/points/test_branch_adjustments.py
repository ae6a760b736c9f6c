"""The secretary's branch points table: adjusting a person's points, and reversing an
adjustment."""

import datetime

import pytest

from points.models import Category, Kind, PointsEntry
from points.periods import SHANGHAI
from points.services import points_adjust, points_redeem
from volunteers.models import AuditEvent

from .test_branch_table_pages import row_cells

# 15 June of this year: every test here, fixtures included, runs at NOW.
YEAR = datetime.datetime.now(SHANGHAI).year
NOW = datetime.datetime(YEAR, 6, 15, 10, 0, tzinfo=SHANGHAI)
TABLE = "/points/branch/"

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def page(response) -> str:
    return response.content.decode()


# --- Adjusting ------------------------------------------------------------------------------


def adjust_url(person) -> str:
    return f"/points/branch/people/{person.pk}/adjust/"


def test_an_adjustment_is_written_audited_and_goes_back_to_the_table(
    secretary_client, secretary, party_member
):
    back = f"{TABLE}?org=1&period=2026"
    response = secretary_client.post(
        adjust_url(party_member),
        {
            "amount": "4",
            "category": "reward",
            "reason": "抗洪抢险",
            "period": str(YEAR),
            "next": back,
        },
    )

    assert response.status_code == 302
    assert response.url == f"{back}#person-{party_member.pk}"
    entry = PointsEntry.objects.get(person=party_member)
    assert (entry.amount, entry.kind, entry.category, entry.reason) == (
        4,
        Kind.ADJUSTMENT,
        Category.REWARD,
        "抗洪抢险",
    )
    event = AuditEvent.objects.get(action="points.adjust")
    assert event.actor == secretary
    assert event.extra["entry_id"] == entry.pk
    body = page(secretary_client.get(TABLE))
    assert "已为王党员加 4 分（奖励积分），已记入操作日志。" in body
    assert row_cells(body, party_member)[6] == "4"


def test_an_adjustment_without_a_reason_is_a_400_and_writes_nothing(secretary_client, party_member):
    response = secretary_client.post(
        adjust_url(party_member), {"amount": "4", "category": "reward", "reason": "  "}
    )

    assert response.status_code == 400
    assert "请填写原因。" in page(response)
    assert not PointsEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="points.adjust").exists()


@pytest.mark.parametrize(
    ("amount", "category", "message"),
    [
        ("abc", "reward", "积分必须是整数，例如 5 或 -3。"),
        ("", "reward", "请填写要调整的积分。"),
        ("1.5", "reward", "积分必须是整数，例如 5 或 -3。"),
        ("0", "reward", "调整的积分不能为 0。"),
        ("99999", "reward", "单次调整不能超过 10000 分。"),
        ("3", "", "请选择积分类别。"),
        ("3", "bonus", "请选择积分类别。"),
        ("3", "deduction", "扣分必须是负数。"),
        ("25", "reward", "超过本年度奖励积分上限（20 分）"),
        ("-5", "deduction", "可用积分不足：当前 0 分，扣减 5 分后将为负数。"),
    ],
)
def test_bad_adjustments_are_refused_in_chinese_and_write_nothing(
    secretary_client, party_member, amount, category, message
):
    response = secretary_client.post(
        adjust_url(party_member), {"amount": amount, "category": category, "reason": "测试"}
    )

    assert response.status_code == 400
    assert message in page(response)
    assert not PointsEntry.objects.exists()


def test_adjusting_someone_out_of_scope_is_refused(secretary_client, stranger):
    response = secretary_client.post(
        adjust_url(stranger), {"amount": "4", "category": "reward", "reason": "表彰"}
    )

    assert response.status_code == 403
    assert "您无权查看或调整该人员的积分" in page(response)
    assert not PointsEntry.objects.exists()
    assert secretary_client.get(f"/points/branch/people/{stranger.pk}/").status_code == 403
    assert secretary_client.get("/points/branch/people/999999/").status_code == 404


def test_a_double_submitted_form_adjusts_once(secretary_client, party_member):
    form = {"amount": "3", "category": "basic", "reason": "组织生活", "key": "a" * 32}
    assert secretary_client.post(adjust_url(party_member), form).status_code == 302
    assert secretary_client.post(adjust_url(party_member), form).status_code == 302
    assert PointsEntry.objects.filter(person=party_member).count() == 1


def test_adjusting_needs_a_post_and_a_csrf_token(client, secretary, party_member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(secretary)
    response = strict.post(
        adjust_url(party_member), {"amount": "3", "category": "basic", "reason": "x"}
    )
    assert response.status_code == 403
    client.force_login(secretary)
    assert client.get(adjust_url(party_member)).status_code == 405
    assert not PointsEntry.objects.exists()


# --- Reversing ------------------------------------------------------------------------------


def test_reversing_an_adjustment_needs_a_reason_then_is_audited(
    secretary_client, secretary, party_member
):
    entry = points_adjust(
        person=party_member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    url = f"/points/branch/entries/{entry.pk}/reverse/"

    refused = secretary_client.post(url, {"reason": " ", "period": str(YEAR)})
    assert refused.status_code == 400
    assert "请填写原因。" in page(refused)
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()

    done = secretary_client.post(url, {"reason": "登记错人", "period": str(YEAR)})
    assert done.status_code == 302
    reversal = PointsEntry.objects.get(kind=Kind.REVERSAL)
    assert (reversal.reverses_id, reversal.amount, reversal.reason) == (entry.pk, -5, "登记错人")
    assert AuditEvent.objects.filter(action="points.reverse", extra__entry_id=entry.pk).exists()
    body = page(secretary_client.get(done.url))
    assert "已冲正王党员的一笔调整（+5 分）" in body
    assert "已冲正" in body and "冲正这笔调整" not in body

    again = secretary_client.post(url, {"reason": "再来", "period": str(YEAR)})
    assert again.status_code == 409
    assert "已经冲正过" in page(again)


def test_reversing_below_zero_on_the_page_asks_for_a_confirmation_first(
    secretary_client, secretary, party_member
):
    entry = points_adjust(
        person=party_member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    points_redeem(person=party_member, amount=4, idempotency_key="redemption:rice", reason="大米")
    url = f"/points/branch/entries/{entry.pk}/reverse/"

    asked = secretary_client.post(url, {"reason": "登记错人", "period": str(YEAR)})

    assert asked.status_code == 409
    body = page(asked)
    assert "可用积分将为 -4 分" in body and 'name="confirm_negative"' in body
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()

    done = secretary_client.post(
        url, {"reason": "登记错人", "period": str(YEAR), "confirm_negative": "1"}
    )

    assert done.status_code == 302
    assert PointsEntry.objects.get(kind=Kind.REVERSAL).amount == -5


def test_a_service_award_is_not_reversed_from_the_table(secretary_client, awarded, party_member):
    award = awarded(party_member)
    response = secretary_client.post(
        f"/points/branch/entries/{award.entry.pk}/reverse/", {"reason": "不对"}
    )
    assert response.status_code == 400
    assert "活动积分请撤销对应的签到" in page(response)
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()


def test_reversing_out_of_scope_is_refused(
    secretary_client, secretary, stranger, person_with_role, town, Role
):
    other = person_with_role(Role.SECRETARY, town.qiaobei, real_name="孙书记").user
    entry = points_adjust(
        person=stranger, amount=2, category=Category.REWARD, reason="表彰", by=other
    )
    response = secretary_client.post(
        f"/points/branch/entries/{entry.pk}/reverse/", {"reason": "试试"}
    )
    assert response.status_code == 403
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()
