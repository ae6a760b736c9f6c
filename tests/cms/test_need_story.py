"""写成志愿动态: a met 微心愿 becomes a draft 志愿动态 for the community's writers, once."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.models import Page

from cms import editorial
from cms.models import HomePage, NewsIndexPage, NewsPage
from cms.services.need_stories import story_draft_for_need
from core.errors import Conflict, Forbidden
from volunteers.models import Need, NeedCategory
from volunteers.services.needs import claim_confirm, claim_report, need_claim, need_record


@pytest.fixture
def news_index(db):
    home = HomePage.objects.first()
    if home is None:  # a transactional test before this one emptied the data migrations' rows
        home = Page.get_first_root_node().add_child(instance=HomePage(title="首页", slug="home"))
    index = NewsIndexPage(title="志愿动态", slug="news")
    home.add_child(instance=index)
    editorial.ensure_news_workflow(home=home, news_index=index)
    return index


@pytest.fixture
def secretary(person_with_role, town, news_index):
    # A community's news writer: her role, and the 社区编辑 group's page permissions.
    user = person_with_role("secretary", town.liyuan, real_name="赵书记").user
    user.groups.add(Group.objects.get(name=editorial.COMMUNITY_EDITORS))
    return user


@pytest.fixture
def need(town, person_with_role, make_person):
    """A need for 李大爷, published and claimed; ``need.finish()`` confirms the service."""
    worker = person_with_role("grid_worker", town.liyuan_grid1).user
    unit_member = make_person(
        real_name="党员赵文静", political_status="party_member", employer_unit=town.unit
    )
    recorded = need_record(
        by=worker,
        grid=town.liyuan_grid1,
        kind=Need.Kind.SERVICE,
        category=NeedCategory.objects.get_or_create(name="健康医疗")[0],
        title="李大爷家的水龙头漏水",
        public_title="为独居老人更换水龙头",
        resident_name="李大爷",
        resident_phone="13912345678",
        address="梨园小区 3 号楼 2 单元 101",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        publish=True,
    )
    claim = need_claim(need=recorded, person=unit_member)
    claim_report(
        claim=claim,
        person=unit_member,
        minutes=90,
        served_on=timezone.localdate(),
        note="李大爷很满意",
    )

    def finish():
        claim_confirm(claim=claim, by=worker)
        recorded.refresh_from_db()
        return recorded

    recorded.finish = finish
    return recorded


def test_a_met_need_becomes_a_draft_story_once_without_the_residents_details(
    news_index, need, secretary
):
    done = need.finish()

    page = story_draft_for_need(need=done, by=secretary)
    again = story_draft_for_need(need=done, by=secretary)

    assert again.pk == page.pk
    assert NewsPage.objects.filter(slug=f"need-story-{done.pk}").count() == 1
    assert not page.live and page.community == done.community
    assert page.title == "微心愿“为独居老人更换水龙头”实现了"
    body = str(page.body)
    assert "健康医疗" in body and "梨园社区" in body
    assert "1 名党员志愿者" in body and "1.5 小时" in body
    assert "敦煌市文化和旅游局" in body
    for private in ("李大爷", "13912345678", "3 号楼", "很满意"):
        assert private not in body and private not in page.intro


def test_a_need_not_yet_met_is_refused(news_index, need, secretary):
    with pytest.raises(Conflict) as refused:
        story_draft_for_need(need=need, by=secretary)

    assert "完成后" in refused.value.message
    assert not NewsPage.objects.filter(slug=f"need-story-{need.pk}").exists()


def test_someone_who_does_not_write_the_communitys_news_is_refused(
    news_index, need, person_with_role, town
):
    done = need.finish()
    qiaobei = person_with_role("secretary", town.qiaobei).user

    with pytest.raises(Forbidden):
        story_draft_for_need(need=done, by=qiaobei)


def test_the_button_on_the_needs_page_makes_the_draft_and_opens_its_editor(
    client, news_index, need, secretary
):
    client.force_login(secretary)
    before = client.get(f"/admin/needs/{need.pk}/").content.decode()
    done = need.finish()
    after = client.get(f"/admin/needs/{done.pk}/").content.decode()

    response = client.post(f"/admin/needs/{done.pk}/story/")

    page = NewsPage.objects.get(slug=f"need-story-{done.pk}")
    assert "写成志愿动态" not in before  # not met yet: no button
    assert "写成志愿动态" in after
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{page.pk}/edit/"
    assert "打开志愿动态草稿" in client.get(f"/admin/needs/{done.pk}/").content.decode()


def test_a_grid_worker_without_news_sees_no_button(client, news_index, need, town):
    done = need.finish()
    from volunteers.models import User

    worker = User.objects.get(person__memberships__organisation=town.liyuan_grid1)
    client.force_login(worker)

    page = client.get(f"/admin/needs/{done.pk}/").content.decode()
    refused = client.post(f"/admin/needs/{done.pk}/story/", follow=True)

    assert "写成志愿动态" not in page
    assert "只有负责本社区志愿动态的工作人员" in refused.content.decode()
    assert not NewsPage.objects.filter(slug=f"need-story-{done.pk}").exists()
