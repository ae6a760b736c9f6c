"""The resident's side of the 需求清单: 提交微心愿 from a phone, and 我的微心愿.

What the resident sees: the form with their own grid chosen and a deadline two weeks
out; every refusal on the form next to its field, with the status of its kind and what
they typed kept, and nothing written; their needs with who claimed them (name and phone
whole), the claimant's report, and the buttons to confirm it or to withdraw a need.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import (
    SUBMISSIONS_PER_DAY,
    claim_report,
    need_claim,
    need_publish,
    need_submit,
)

SUBMIT = "/needs/new/"
MINE = "/me/needs/"


def today() -> datetime.date:
    return timezone.localdate()


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def category(db):
    # get_or_create: a transactional test before this one may have flushed the migration's list.
    return NeedCategory.objects.get_or_create(name="健康医疗")[0]


@pytest.fixture
def resident(make_person, town):
    return make_person(real_name="居民李奶奶", home_grid=town.liyuan_grid2)


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident.user)
    return client


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid2, real_name="网格员王芳")


@pytest.fixture
def member(make_person, town):
    return make_person(
        real_name="党员赵文静", political_status="party_member", home_grid=town.qiaobei_grid1
    )


def form_data(town, category, /, **changes) -> dict:
    data = {
        "kind": "service",
        "category": category.pk,
        "title": "想学用智能手机和孙子视频通话",
        "description": "周末上午在家。",
        "address": "梨园小区 5 号楼 1 单元 302",
        "grid": town.liyuan_grid2.pk,
        "deadline": (today() + datetime.timedelta(days=10)).isoformat(),
        "places": "1",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------- 提交微心愿


def test_the_form_offers_the_home_communitys_grids_with_mine_chosen_and_two_weeks_to_go(
    resident_client, town
):
    response = resident_client.get(SUBMIT)

    assert response.status_code == 200
    html = page(response)
    assert f'<option value="{town.liyuan_grid2.pk}" selected>梨园社区第2网格</option>' in html
    assert "梨园社区第1网格" in html
    assert "桥北社区" not in html  # another community's grids are not offered
    in_two_weeks = (today() + datetime.timedelta(days=14)).isoformat()
    assert f'value="{in_two_weeks}"' in html
    assert "不要写姓名和门牌号" in html
    assert "物品类" in html and "服务类" in html


def test_a_resident_submits_a_need_and_it_waits_for_the_grid(
    resident_client, resident, town, category
):
    response = resident_client.post(SUBMIT, form_data(town, category), follow=True)

    assert response.redirect_chain == [(MINE, 302)]
    html = page(response)
    assert "已提交，等待网格员审核" in html
    assert "想学用智能手机和孙子视频通话" in html
    assert 'data-state="pending">待审核' in html
    need = Need.objects.get()
    assert need.status == Need.Status.PENDING
    assert need.resident == resident
    assert need.community == town.liyuan
    assert need.grid == town.liyuan_grid2
    assert need.address == "梨园小区 5 号楼 1 单元 302"


def test_a_grid_of_another_community_is_refused_next_to_the_grid_with_the_typed_values_kept(
    resident_client, town, category
):
    data = form_data(town, category, grid=town.qiaobei_grid1.pk)

    response = resident_client.post(SUBMIT, data)

    assert response.status_code == 400
    html = page(response)
    assert "只能为您所在的梨园社区提交微心愿。" in html
    assert 'id="id_grid_errors"' in html  # next to the grid
    assert 'value="想学用智能手机和孙子视频通话"' in html
    assert "周末上午在家。" in html
    assert Need.objects.count() == 0


def test_the_fourth_need_in_a_day_is_refused_with_429_and_nothing_written(
    resident_client, resident, town, category
):
    for n in range(SUBMISSIONS_PER_DAY):
        need_submit(
            person=resident,
            grid=town.liyuan_grid2,
            kind="goods",
            category=category,
            title=f"需要一个书包 {n}",
            deadline=today() + datetime.timedelta(days=5),
        )

    response = resident_client.post(SUBMIT, form_data(town, category))

    assert response.status_code == 429
    html = page(response)
    assert "24 小时内最多提交 3 个微心愿" in html
    assert 'value="想学用智能手机和孙子视频通话"' in html
    assert Need.objects.count() == SUBMISSIONS_PER_DAY


def test_html_in_the_title_is_refused_with_its_message(resident_client, town, category):
    response = resident_client.post(SUBMIT, form_data(town, category, title="<b>急需</b>轮椅"))

    assert response.status_code == 400
    assert "需求不能包含网页代码" in page(response)
    assert 'id="id_title_errors"' in page(response)
    assert Need.objects.count() == 0


def test_a_nul_byte_is_refused_before_anything_is_written(resident_client, town, category):
    response = resident_client.post(SUBMIT, form_data(town, category, description="x\x00y"))

    assert response.status_code == 400
    assert "含有无法处理的控制字符（NUL）" in page(response)
    assert Need.objects.count() == 0


def test_unreadable_values_are_refused_in_chinese(resident_client, town, category):
    data = form_data(town, category, kind="", deadline="下周五", places="两个", category="")

    response = resident_client.post(SUBMIT, data)

    assert response.status_code == 400
    html = page(response)
    assert "请选择需求类型（物品类或服务类）。" in html
    assert "请从列表中选择需求类别。" in html
    assert "请按“年-月-日”填写正确的日期。" in html
    assert "需要几人请填写 1 到 20 之间的整数。" in html
    assert Need.objects.count() == 0


def test_a_past_deadline_is_refused_next_to_the_deadline(resident_client, town, category):
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()

    response = resident_client.post(SUBMIT, form_data(town, category, deadline=yesterday))

    assert response.status_code == 400
    assert "截止日期不能早于今天。" in page(response)
    assert 'id="id_deadline_errors"' in page(response)
    assert Need.objects.count() == 0


def test_an_anonymous_visitor_logs_in_first(client):
    response = client.get(SUBMIT)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/needs/new/"


def test_without_a_home_grid_the_page_asks_to_join_one_first(client, make_person):
    newcomer = make_person(real_name="新居民")
    client.force_login(newcomer.user)

    response = client.get(SUBMIT)

    assert response.status_code == 200
    html = page(response)
    assert "请先加入您居住的网格" in html
    assert 'href="/me/join/"' in html
    assert 'name="title"' not in html


# ---------------------------------------------------------------- 我的微心愿


@pytest.fixture
def reported(resident, grid_worker, member, town, category):
    """The resident's need, published, claimed by 赵文静, who reports it done."""
    need = need_submit(
        person=resident,
        grid=town.liyuan_grid2,
        kind="service",
        category=category,
        title="李奶奶想学用智能手机视频通话",
        deadline=today() + datetime.timedelta(days=7),
    )
    need = need_publish(need=need, by=grid_worker.user, public_title="教老人用智能手机")
    claim = need_claim(need=need, person=member)
    return claim_report(
        claim=claim, person=member, minutes=90, served_on=today(), note="教会了视频通话和看天气。"
    )


def test_the_resident_sees_the_claimant_and_their_report(resident_client, reported, member):
    html = page(resident_client.get(MINE))

    assert "党员赵文静" in html
    assert f'href="tel:{member.phone}"' in html  # whole: they must arrange the visit
    assert "服务 90 分钟" in html
    assert "教会了视频通话和看天气。" in html
    assert "微心愿墙上显示为：教老人用智能手机" in html
    assert "确认完成" in html


def test_the_resident_confirms_a_reported_claim(resident_client, reported):
    response = resident_client.post(f"/me/needs/claims/{reported.pk}/confirm/", follow=True)

    assert response.redirect_chain == [(MINE, 302)]
    assert "已确认党员赵文静完成“李奶奶想学用智能手机视频通话”" in page(response)
    reported.refresh_from_db()
    assert reported.status == Claim.Status.CONFIRMED
    assert reported.need.status == Need.Status.DONE
    assert 'data-state="done">已完成' in page(response)


def test_someone_else_cannot_confirm_the_claim(client, make_person, town, reported):
    neighbour = make_person(real_name="邻居", home_grid=town.liyuan_grid2)
    client.force_login(neighbour.user)

    response = client.post(f"/me/needs/claims/{reported.pk}/confirm/")

    assert response.status_code == 404
    reported.refresh_from_db()
    assert reported.status == Claim.Status.REPORTED


def test_confirming_twice_says_it_is_confirmed_already(resident_client, reported):
    resident_client.post(f"/me/needs/claims/{reported.pk}/confirm/")

    response = resident_client.post(f"/me/needs/claims/{reported.pk}/confirm/")

    assert response.status_code == 409
    assert "这条认领已确认完成。" in page(response)


def test_the_resident_withdraws_their_unclaimed_need(resident_client, resident, town, category):
    need = need_submit(
        person=resident,
        grid=town.liyuan_grid2,
        kind="goods",
        category=category,
        title="需要一副老花镜",
        deadline=today() + datetime.timedelta(days=7),
    )

    response = resident_client.post(f"/me/needs/{need.pk}/withdraw/", follow=True)

    assert response.redirect_chain == [(MINE, 302)]
    assert "已撤回微心愿“需要一副老花镜”" in page(response)
    assert "关闭原因：本人撤回" in page(response)
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_a_claimed_need_cannot_be_withdrawn_by_the_resident(resident_client, reported):
    response = resident_client.post(f"/me/needs/{reported.need_id}/withdraw/")

    assert response.status_code == 409
    assert "有认领人已提交完成情况" in page(response)
    assert Need.objects.get().status == Need.Status.CLAIMED


def test_another_persons_need_cannot_be_withdrawn(client, make_person, town, reported):
    neighbour = make_person(real_name="邻居", home_grid=town.liyuan_grid2)
    client.force_login(neighbour.user)

    response = client.post(f"/me/needs/{reported.need_id}/withdraw/")

    assert response.status_code == 404
    assert Need.objects.get().status == Need.Status.CLAIMED


def test_my_page_links_to_my_needs(resident_client):
    html = page(resident_client.get("/me/"))

    assert f'href="{MINE}"' in html
    assert "我的微心愿" in html
