"""Content-Security-Policy and Permissions-Policy on the pages people use (config.security).

The browser side (nothing the site itself does trips the policy; the Wagtail editor works)
is tests/e2e/test_content_security_policy.py.
"""

import base64
import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from core.tokens import Purpose, make_token

TEMPLATES = Path(settings.BASE_DIR) / "site" / "templates"
SITE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
}
NOTHING_ALLOWED = {"camera": "()", "microphone": "()", "geolocation": "()"}


def directives(response, *, nonce: bool = False) -> dict[str, str]:
    """The policy's directives; without this response's nonce unless asked for."""
    policy = response["Content-Security-Policy"]
    if not nonce:
        policy = re.sub(r" 'nonce-[^']+'", "", policy)
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def features(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


def test_a_public_page_allows_only_the_sites_own_scripts_and_no_camera_or_position(client, db):
    response = client.get("/activities/")

    assert response.status_code == 200
    policy = directives(response)
    assert policy.items() >= SITE_POLICY.items()
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert features(response).items() >= NOTHING_ALLOWED.items()


def test_an_inline_style_carries_the_nonce_its_header_names(client, make_activity):
    activity = make_activity()

    response = client.get(f"/activities/{activity.pk}/")

    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response, nonce=True)["style-src"].split()
    assert (
        client.get(f"/activities/{activity.pk}/")["Content-Security-Policy"]
        != (response["Content-Security-Policy"])
    )  # a new nonce for every response


def test_the_organisers_scanner_may_use_the_camera_and_nothing_else(
    client, make_activity, person_with_role, town
):
    activity = make_activity()
    client.force_login(person_with_role("leader", town.liyuan, real_name="王队长").user)

    response = client.get(f"/activities/{activity.pk}/scan/")

    assert response.status_code == 200 and "扫码签到" in response.content.decode()
    allowed = features(response)
    assert allowed["camera"] == "(self)"
    assert (allowed["geolocation"], allowed["microphone"]) == ("()", "()")
    assert directives(response).items() >= SITE_POLICY.items()


def test_the_scan_landing_may_ask_for_the_position_and_not_the_camera(
    client, make_activity, make_person, town
):
    activity = make_activity(title="阳关中路文明交通劝导")
    client.force_login(make_person(real_name="陈小燕", home_grid=town.liyuan_grid1).user)

    response = client.get(f"/c/{make_token(purpose=Purpose.CHECK_IN, subject_id=activity.pk)}")

    assert "签到成功" in response.content.decode()
    allowed = features(response)
    assert allowed["geolocation"] == "(self)"
    assert allowed["camera"] == "()"


def test_the_wagtail_admin_has_its_own_looser_policy_and_the_site_does_not(
    client, django_user_model
):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))

    admin = directives(client.get("/admin/"))
    site = directives(client.get("/activities/"))

    assert "'unsafe-inline'" in admin["script-src"] and "blob:" in admin["img-src"]
    assert admin["frame-ancestors"] == "'self'"  # the editor's preview frames the page
    assert site["script-src"] == "'self'"


def test_the_500_page_inline_styles_are_allowed_by_their_hash():
    html = render_to_string("500.html")
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()

    style_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert f"'sha256-{digest}'" in style_src


def test_no_template_has_an_inline_script_or_style_the_policy_would_refuse():
    refused = []
    for path in TEMPLATES.rglob("*.html"):
        name = str(path.relative_to(TEMPLATES))
        html = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/json"' not in tag:
                refused.append(f"{name}: {tag}")
        for tag in re.findall(r"<style\b[^>]*>", html):
            # 500/503 are allowed by hash; block previews live in the admin.
            if "nonce=" not in tag and name not in (
                "500.html",
                "503.html",
                "cms/block_preview.html",
            ):
                refused.append(f"{name}: {tag}")
        refused += [f"{name}: style attribute" for _ in re.findall(r"\sstyle=\"", html)]
        refused += [f"{name}: {m}" for m in re.findall(r"\son[a-z]+=\"", html)]
    assert refused == []
