"""core.pagination and {% load pagination %}: the staff lists' pages and search box."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from core.pagination import page_of, search_text

ROWS = list(range(1, 121))  # 120 rows: pages of 50, 50 and 20


def get(query: str = ""):
    return RequestFactory().get(f"/points/branch/?{query}")


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("", 1),
        ("page=2", 2),
        ("page=3", 3),
        ("page=abc", 1),  # a word: the first page
        ("page=2.5", 1),
        ("page=", 1),
        ("page=%00", 1),
        ("page=0", 3),  # out of range: the last page, as a link kept from a longer list
        ("page=-4", 3),
        ("page=99999999999999999999999", 3),
    ],
)
def test_any_page_value_opens_a_page_of_fifty(query, number):
    page = page_of(get(query), ROWS)

    assert page.number == number
    assert next(iter(page)) == (number - 1) * 50 + 1
    assert len(page) == (20 if number == 3 else 50)


def test_an_empty_list_has_one_empty_page_whatever_is_asked():
    page = page_of(get("page=7"), [])

    assert page.number == 1 and list(page) == [] and not page.has_other_pages()


def test_a_count_the_page_already_knows_is_not_asked_again(db, django_assert_num_queries):
    from volunteers.models import Person

    with django_assert_num_queries(1):  # the page's rows, no COUNT
        page = page_of(get("page=2"), Person.objects.order_by("pk"), 2, count=5)
        assert page.paginator.num_pages == 3 and list(page) == []


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("  张 三  ", "张 三"),
        ("SZ23\x00AB", "SZ23 AB"),  # NUL is refused by PostgreSQL: dropped, never a 500
        ("\t5678\n", "5678"),
        ("长" * 80, "长" * 50),
        ("", ""),
    ],
)
def test_the_search_box_is_trimmed_and_bounded(typed, searched):
    assert search_text(RequestFactory().get("/", {"q": typed})) == searched


PAGER = Template('{% include "_pagination.html" with page=page anchor="list" %}')


def test_the_pager_keeps_the_lists_filters_and_search():
    request = get("org=3&period=2026&q=%E5%BC%A0&page=2")
    html = PAGER.render(Context({"request": request, "page": page_of(request, ROWS)}))

    assert "第 2 / 3 页" in html
    assert 'href="?org=3&amp;period=2026&amp;q=%E5%BC%A0&amp;page=1#list" rel="prev"' in html
    assert 'href="?org=3&amp;period=2026&amp;q=%E5%BC%A0&amp;page=3#list" rel="next"' in html


def test_one_page_draws_no_pager():
    request = get()
    html = PAGER.render(Context({"request": request, "page": page_of(request, ROWS[:50])}))
    assert "分页" not in html


SEARCH = Template('{% include "_search.html" with q=q label="搜索姓名" found=found %}')


def test_the_search_box_keeps_the_filters_and_starts_from_the_first_page():
    request = get("org=3&sort=name&page=4&q=old")
    html = SEARCH.render(Context({"request": request, "q": "张", "found": 2}))

    assert '<input type="hidden" name="org" value="3">' in html
    assert '<input type="hidden" name="sort" value="name">' in html
    assert 'name="page"' not in html and 'value="old"' not in html
    assert "“张”找到 2 条" in html
    assert 'href="?org=3&amp;sort=name">清除搜索' in html
