"""A NUL character (U+0000) anywhere in a request is a Chinese 400, never a 500.

PostgreSQL refuses NUL in text, and the query raising was a 500. Probed on PostgreSQL
before config.security.RefuseNulMiddleware, these answered 500: reversing an adjustment
(reason), lodging an objection (text), revoking a certificate (reason), cancelling a
redemption at the counter (reason), removing an attendance (reason), the admin's page API
(?search=), and every page for a visitor whose session cookie held a NUL. On SQLite the
same requests wrote the NUL, which is why these tests expect the refusal, not just no 500.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from points.models import Category, Kind, PointsEntry
from points.services.corrections import points_adjust
from volunteers.models import Attendance
from volunteers.services.attendance import attendance_add_manual

REFUSED = "含有无法处理的控制字符（NUL）"
NUL = "x\x00y"


def route_paths() -> list[str]:
    """One path for every ``path()`` route of the project, its parameters filled in."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if isinstance(pattern.pattern, RoutePattern):
                    yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
                yield prefix + str(pattern.pattern)

    def fill(route: str) -> str:
        return "/" + re.sub(
            r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route
        )

    routes = sorted({fill(route) for route in walk(get_resolver().url_patterns)})
    # The regex routes: the QR's landing page and Wagtail's pages.
    return [*routes, "/c/x", "/", "/dongtai/"]


def page(response) -> str:
    return response.content.decode()


def test_every_route_refuses_nul_in_a_query_or_form_parameter_with_a_chinese_400(
    client, django_user_model
):
    paths = route_paths()
    assert len(paths) > 300  # the site's own pages, allauth's and the whole Wagtail admin
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))

    for path in paths:
        query = client.get(path, {"q": NUL, "page": "2", "org": "\x00"})
        form = client.post(path, {"reason": NUL, "text": "好", "next": "/"})
        for response in (query, form):
            assert response.status_code == 400, (path, response.status_code)
            assert REFUSED in page(response), path


def test_nul_in_the_path_is_refused_too(client, db):
    for path in ("/c/abc%00def", "/certificates/SZC%00/", "/dongtai%00/"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert REFUSED in page(response)


def test_a_reason_with_nul_reverses_nothing(client, person_with_role, make_person, town, Role):
    secretary = person_with_role(Role.SECRETARY, town.liyuan, real_name="赵书记").user
    member = make_person(real_name="王党员", home_grid=town.liyuan_grid1)
    entry = points_adjust(
        person=member, amount=5, category=Category.REWARD, reason="表彰", by=secretary
    )
    client.force_login(secretary)

    response = client.post(f"/points/branch/entries/{entry.pk}/reverse/", {"reason": "登\x00记错"})

    assert response.status_code == 400
    assert REFUSED in page(response)
    assert not PointsEntry.objects.filter(kind=Kind.REVERSAL).exists()


def test_a_removal_reason_with_nul_leaves_the_attendance(
    client, person_with_role, make_person, make_activity, town
):
    leader = person_with_role("leader", town.liyuan, real_name="王队长").user
    volunteer = make_person(real_name="陈小燕", home_grid=town.liyuan_grid1)
    activity = make_activity()
    attendance = attendance_add_manual(
        activity=activity, person=volunteer, reason="补录", by=leader
    )
    client.force_login(leader)

    response = client.post(
        f"/activities/{activity.pk}/attendance/{attendance.pk}/remove/", {"reason": "重复\x00"}
    )

    assert response.status_code == 400
    assert REFUSED in page(response)
    assert Attendance.objects.get(pk=attendance.pk).removed_at is None


def test_a_json_client_gets_the_refusal_as_json(client, db):
    escaped = client.post(
        "/activities/1/checkin/current.json",
        '{"note": "a\\u0000b"}',
        content_type="application/json",
    )
    raw = client.get("/me/code.json", {"q": NUL}, HTTP_ACCEPT="application/json")

    for response in (escaped, raw):
        assert response.status_code == 400
        assert response.json() == {
            "ok": False,
            "code": "nul_character",
            "message": "提交的内容或网址中含有无法处理的控制字符（NUL），请删除后重试。",
            "detail": "",
        }


def test_the_refusal_speaks_the_language_the_visitor_chose(client, db):
    client.cookies["django_language"] = "en"

    response = client.get("/search/", {"q": NUL})

    assert response.status_code == 400
    assert "control character (NUL)" in page(response)


def test_a_session_cookie_holding_nul_is_dropped_and_the_page_shown(client, db):
    # Cookie values may spell a NUL as a quoted octal escape, which Django decodes.
    response = client.get("/activities/", HTTP_COOKIE='sessionid="abcdefgh\\000ijk"')

    assert response.status_code == 200
    assert "志愿活动" in page(response)
    assert response.cookies["sessionid"].value == ""  # cleared on the phone
    assert response.cookies["sessionid"]["max-age"] == 0


@pytest.mark.parametrize("query", ["志愿 服务", "行一\t行二\n", "%"])
def test_other_text_is_answered_as_before(client, db, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert REFUSED not in page(response)
