"""Reads that pages share (``volunteers.selectors``)."""

from django.contrib.auth.models import AnonymousUser

from volunteers.selectors import person_for_user


def test_an_anonymous_visitor_has_no_person_and_costs_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert person_for_user(AnonymousUser()) is None
        assert person_for_user(None) is None


def test_an_account_no_person_is_linked_to_has_no_person(django_user_model):
    user = django_user_model.objects.create_user(username="no-person", password="shazhou2026")

    assert person_for_user(user) is None


def test_the_linked_person_is_found_with_the_asked_relations_in_one_query(
    make_person, town, django_assert_num_queries
):
    person = make_person(real_name="李秀芬", home_grid=town.liyuan_grid1)
    user = person.user

    with django_assert_num_queries(1):
        found = person_for_user(user, "home_grid", "reported_community")
        assert found == person
        assert found.home_grid.name == "梨园社区第1网格"
        assert found.reported_community is None

    found = person_for_user(user)
    with django_assert_num_queries(1):  # not asked for: read when used
        assert found.home_grid.name == "梨园社区第1网格"


def test_an_account_being_signed_up_has_no_person_yet(db, django_user_model):
    # allauth asks about the new user before it is saved: no lookup, and no error.
    unsaved = django_user_model(username="signing-up")

    assert person_for_user(unsaved) is None
