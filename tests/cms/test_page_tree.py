"""The page tree is constrained both ways, and every field tells editors what it is for."""

import pytest
from wagtail.models import Page

from cms.models import (
    ActivityIndexPage,
    HomePage,
    HonourRollPage,
    NewsIndexPage,
    NewsPage,
    StandardPage,
    StoryIndexPage,
    StoryPage,
    TeamIndexPage,
    TeamPage,
)
from cms.models.teams import TeamPageForm
from volunteers.services.organisations import organisation_add

PAGE_TYPES = [
    HomePage,
    StandardPage,
    NewsIndexPage,
    NewsPage,
    ActivityIndexPage,
    TeamIndexPage,
    TeamPage,
    StoryIndexPage,
    StoryPage,
    HonourRollPage,
]


def test_the_home_page_offers_exactly_the_sections():
    assert set(HomePage.allowed_subpage_models()) == {
        NewsIndexPage,
        ActivityIndexPage,
        TeamIndexPage,
        StoryIndexPage,
        HonourRollPage,
        StandardPage,
    }
    assert HomePage.allowed_parent_page_models() == [Page]


@pytest.mark.parametrize(
    ("child", "parents", "children"),
    [
        (NewsIndexPage, {HomePage}, {NewsPage}),
        (NewsPage, {NewsIndexPage}, set()),
        (ActivityIndexPage, {HomePage}, set()),
        (TeamIndexPage, {HomePage}, {TeamPage}),
        (TeamPage, {TeamIndexPage, TeamPage}, {TeamPage}),
        (StoryIndexPage, {HomePage}, {StoryPage}),
        (StoryPage, {StoryIndexPage}, set()),
        (HonourRollPage, {HomePage}, set()),
        (StandardPage, {HomePage, StandardPage}, {StandardPage}),
    ],
)
def test_each_page_type_names_its_parents_and_children(child, parents, children):
    assert set(child.allowed_parent_page_models()) == parents
    assert set(child.allowed_subpage_models()) == children


@pytest.mark.parametrize("model", PAGE_TYPES)
def test_every_field_an_editor_fills_in_has_help_text(model):
    own = [
        field
        for field in model._meta.local_fields
        if field.editable and field.name not in {"page_ptr", "body"}
    ]
    missing = [field.name for field in own if not field.help_text]
    assert not missing, f"{model.__name__}: {missing}"


def test_section_pages_exist_once(pages):
    for model in (NewsIndexPage, ActivityIndexPage, TeamIndexPage, StoryIndexPage, HonourRollPage):
        assert not model.can_create_at(pages.home), model
    assert StandardPage.can_create_at(pages.home)
    assert NewsPage.can_create_at(pages.news)
    assert not NewsPage.can_create_at(pages.home)
    assert not StoryPage.can_create_at(pages.news)


def test_the_activity_section_does_not_shadow_the_activity_views(pages):
    assert pages.activities.url == "/huodong/"
    assert pages.activities.slug != "activities"


def _team_form(parent, organisation):
    form_class = TeamPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, TeamPageForm)
    data = {
        "title": "测试页面",
        "slug": "ceshi",
        "organisation": organisation.pk,
        "intro": "",
        "body-count": "0",
    }
    return form_class(data, instance=TeamPage(), parent_page=parent, for_user=None)


def test_a_team_page_under_a_squad_page_must_be_one_of_its_teams(pages, town):
    inside = _team_form(pages.squad, town.team)
    inside.is_valid()
    assert "organisation" not in inside.errors

    other_squad = organisation_add(
        parent=town.detachment, name="桥北志愿服务小分队", kind="squad", code="squad-qiaobei"
    )
    far_team = organisation_add(
        parent=other_squad, name="桥北社区治安联防队", kind="team", code="team-qiaobei-patrol"
    )
    outside = _team_form(pages.squad, far_team)
    assert not outside.is_valid()
    assert "只能选择它下属的队伍" in str(outside.errors["organisation"])
