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
    client, pages, secretary, town_editor
):
    client.force_login(secretary)
    add_url = reverse("wagtailadmin_pages:add", args=("cms", "newspage", pages.news.pk))
    response = client.post(
        add_url,
        {**news_form("梨园社区“四点半课堂”开课啦", "si-dian-ban"), "action-submit": "submit"},
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
        {**news_form("梨园社区“四点半课堂”开课啦", "si-dian-ban"), "action-publish": "publish"},
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
