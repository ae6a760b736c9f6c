"""Community editors write 志愿动态 and submit them; a town editor approves and they go live."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms import editorial
from cms.models import NewsPage


@pytest.fixture
def secretary(pages, person_with_role, town):
    person = person_with_role("secretary", town.liyuan, real_name="李淑芬", username="secretary")
    person.user.groups.add(Group.objects.get(name=editorial.COMMUNITY_EDITORS))
    return person.user


@pytest.fixture
def town_editor(pages, person_with_role, town):
    person = person_with_role("admin", town.town, real_name="马建国", username="town-editor")
    person.user.groups.add(Group.objects.get(name=editorial.TOWN_EDITORS))
    return person.user


def news_form(title: str, slug: str, **extra) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "date": "2026-05-04",
            "intro": "放学后孩子们有了写作业的地方。",
            "body": streamfield([]),
            "tags": "四点半课堂",
            "comments": inline_formset([]),
            **extra,
        }
    )


def test_the_workflow_is_on_the_news_section(pages):
    workflow = pages.news.get_workflow()
    assert workflow is not None and workflow.name == editorial.NEWS_WORKFLOW
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == [editorial.TOWN_EDITORS]


def test_a_community_editor_may_write_news_but_not_publish_it(pages, secretary):
    permissions = pages.news.permissions_for_user(secretary)
    assert permissions.can_add_subpage()
    assert not permissions.can_publish_subpage()
    assert not pages.home.permissions_for_user(secretary).can_add_subpage()


def test_submitted_news_waits_for_the_town_editor_and_goes_live_on_approval(
    client, pages, secretary, town_editor, town
):
    client.force_login(secretary)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "newspage", pages.news.pk))
    liyuan = {"community": town.liyuan.pk}
    response = client.post(
        add_url,
        {
            **news_form("梨园社区“四点半课堂”开课啦", "si-dian-ban", **liyuan),
            "action-submit": "submit",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = NewsPage.objects.get(slug="si-dian-ban")
    assert not page.live
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert client.get(page.url or "/dongtai/si-dian-ban/").status_code == 404

    # Publishing outright is not the community editor's to do.
    client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        {
            **news_form("梨园社区“四点半课堂”开课啦", "si-dian-ban", **liyuan),
            "action-publish": "publish",
        },
    )
    page.refresh_from_db()
    assert not page.live

    client.force_login(town_editor)
    task_state = state.current_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)
    )
    response = client.post(approve, {"comment": "同意发布"})
    assert response.status_code in (200, 302)

    page.refresh_from_db()
    assert page.live
    client.logout()
    assert "四点半课堂" in client.get("/dongtai/si-dian-ban/").content.decode()


def test_seeding_twice_adds_no_second_group_task_or_workflow(pages):
    home, news = pages.home, pages.news
    assert editorial.ensure_news_workflow(home=home, news_index=news) == 0
    assert Group.objects.filter(name=editorial.COMMUNITY_EDITORS).count() == 1


# --- Each community editor writes for their own community ------------------------------


@pytest.fixture
def qiaobei_news(pages, town):
    page = NewsPage(
        title="桥北社区清扫积雪",
        slug="qiaobei-snow",
        intro="桥北的红马甲清晨上街。",
        community=town.qiaobei,
    )
    pages.news.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_a_community_editor_cannot_save_a_draft_of_another_communitys_news(
    client, pages, secretary, town, qiaobei_news
):
    client.force_login(secretary)
    edit_url = reverse("wagtailadmin_pages:edit", args=(qiaobei_news.pk,))

    opened = client.get(edit_url)
    saved = client.post(
        edit_url, news_form("改掉桥北的标题", "qiaobei-snow", community=town.qiaobei.pk)
    )

    assert opened.status_code in (302, 403) and saved.status_code in (302, 403)
    qiaobei_news.refresh_from_db()
    assert qiaobei_news.title == "桥北社区清扫积雪"
    assert qiaobei_news.get_latest_revision().content["title"] == "桥北社区清扫积雪"
    assert not qiaobei_news.permissions_for_user(secretary).can_edit()


def test_a_community_editor_starts_news_only_for_their_own_community(
    client, pages, secretary, town
):
    client.force_login(secretary)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "newspage", pages.news.pk))

    form = client.get(add_url).content.decode()
    foreign = client.post(add_url, news_form("替桥北写", "for-qiaobei", community=town.qiaobei.pk))
    unclaimed = client.post(add_url, news_form("全镇新闻", "town-wide"))
    own = client.post(add_url, news_form("梨园新闻", "for-liyuan", community=town.liyuan.pk))

    assert "梨园社区" in form and "桥北社区" not in form.split('name="community"')[1][:2000]
    assert foreign.status_code == 200 and "您不能为这个社区撰写动态" in foreign.content.decode()
    assert unclaimed.status_code == 200 and "全镇新闻由镇编辑撰写" in unclaimed.content.decode()
    assert own.status_code == 302
    assert NewsPage.objects.get(slug="for-liyuan").community == town.liyuan
    assert not NewsPage.objects.filter(slug__in=["for-qiaobei", "town-wide"]).exists()


def test_a_town_editor_edits_any_communitys_news(client, pages, town_editor, town, qiaobei_news):
    client.force_login(town_editor)
    edit_url = reverse("wagtailadmin_pages:edit", args=(qiaobei_news.pk,))

    response = client.post(
        edit_url, news_form("桥北社区清扫积雪（更新）", "qiaobei-snow", community=town.qiaobei.pk)
    )

    assert response.status_code == 302
    qiaobei_news.refresh_from_db()
    assert qiaobei_news.get_latest_revision().content["title"] == "桥北社区清扫积雪（更新）"
