"""The Content-Security-Policy in a real browser: the site, the scanner and the Wagtail editor
run under it without one violation, and a script injected into a page does not run.

Violations are caught two ways: a ``securitypolicyviolation`` listener installed in every
frame before any of the page's own scripts, and Chromium's console messages about the policy
(a refused frame is reported only there, in the parent's console).
"""

import pytest

from cms.models import NewsIndexPage, NewsPage
from demo import site as demo

from .conftest import PHONE, log_in
from .test_site_pages import restore_migration_data

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # The publicity site's routes with its media served, as the site page tests have them.
    pytest.mark.urls("tests.e2e.test_site_pages"),
]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
  );
});
"""
DESKTOP = {"width": 1280, "height": 900}


def watched_page(browser, viewport=PHONE):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.policy_messages = []
    page.on(
        "console",
        lambda msg: (
            page.policy_messages.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    return page


def violations(page) -> list[str]:
    found = list(page.policy_messages)
    for frame in page.frames:
        try:
            found += frame.evaluate("window.__cspViolations || []")
        except Exception:  # a frame the policy itself refused has no document to ask
            found.append(f"frame {frame.url} could not be read")
    return found


@pytest.fixture
def site(settings, tmp_path, town, make_activity, make_person, person_with_role):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    restore_migration_data()
    demo.seed_site()  # the page tree with its generated pictures
    admin = make_person(real_name="马建国", username="admin", phone_verified=True).user
    admin.is_superuser = admin.is_staff = True
    admin.save()
    person_with_role(
        "leader", town.liyuan, real_name="张志强", username="leader", phone_verified=True
    )
    return make_activity(title="阳关中路文明交通劝导")


def test_pages_the_scanner_and_the_wagtail_editor_run_under_the_policy(
    browser, live_server, site, shoot
):
    base = live_server.url
    activity = site

    visitor = watched_page(browser)
    for path in ("/", "/huodong/", f"/activities/{activity.pk}/"):
        response = visitor.goto(base + path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert violations(visitor) == [], path
    # The activity page's own <style> carries the response's nonce, and it applied.
    assert "'nonce-" in policy
    badges = visitor.locator(".activity-head__badges")
    assert badges.evaluate("node => getComputedStyle(node).display") == "flex"
    shoot(visitor, "activity-under-policy")

    # What the policy is for: markup injected into the page cannot run script.
    ran = visitor.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
          return window.injected === true;
        }"""
    )
    assert ran is False
    assert any("script-src" in v for v in violations(visitor))

    organiser = watched_page(browser)
    log_in(organiser, base, "leader")
    response = organiser.goto(f"{base}/activities/{activity.pk}/scan/")
    assert "camera=(self)" in response.headers["permissions-policy"]
    assert "扫码签到" in organiser.title()
    organiser.wait_for_timeout(500)
    assert violations(organiser) == []
    shoot(organiser, "scanner-under-policy")

    editor = watched_page(browser, DESKTOP)
    log_in(editor, base, "admin")
    response = editor.goto(f"{base}/admin/")
    assert "'unsafe-inline'" in response.headers["content-security-policy"]  # the admin's own
    assert editor.locator("main").count()

    # A new page: pick its cover picture in the image chooser.
    news = NewsIndexPage.objects.get()
    editor.goto(f"{base}/admin/pages/add/cms/newspage/{news.pk}/")
    editor.locator("[data-chooser-action-choose]:visible").first.click()
    editor.locator(".modal-content [data-chooser-modal-choice]").first.click()
    editor.locator(".chooser__preview img, .chooser img").first.wait_for()
    assert violations(editor) == []

    # An existing page: its live preview beside the editor shows the page.
    page = NewsPage.objects.live().get(slug="liyuan-traffic-morning")
    editor.goto(f"{base}/admin/pages/{page.pk}/edit/")
    editor.locator("[data-side-panel-toggle='preview']").first.click()
    preview = editor.frame_locator("iframe[id*='preview']").first
    assert "早高峰路口的一抹红" in preview.locator("main").inner_text(timeout=15000)
    shoot(editor, "editor-preview-under-policy")
    assert violations(editor) == []
