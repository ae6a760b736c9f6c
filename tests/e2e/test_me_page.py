"""我的 (/me/) on a 390×844 phone, from the seeded demo town.

A party member opens 我的 and sees the figures card whole in the first screen, two figures
a row; the team leader finds 工作台 first, with the running activity's big buttons, and
出示签到码 opens its check-in screen.
"""

import pytest

from .conftest import PHONE, log_in
from .test_site_pages import demo_site, serious_violations  # noqa: F401 -- demo_site: a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Is the element's bottom edge inside the viewport and not under anything fixed (a tab bar)?
SEEN_WHOLE = """el => {
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.bottom - 2);
    return el.contains(hit);
}"""


def test_me_shows_the_card_in_the_first_screen_and_the_leaders_workbench(
    live_server,
    phone,
    shoot,
    demo_site,  # noqa: F811
):
    base = live_server.url
    page = phone()
    log_in(page, base, "partymember")
    page.goto(f"{base}/me/")

    card = page.locator(".me-card")
    assert page.evaluate(SEEN_WHOLE, card.element_handle()), card.bounding_box()
    text = card.inner_text()
    for label in ("本月积分", "累计积分", "可兑换", "服务时长", "社区排名", "星级"):
        assert label in text, label
    assert "小时" in text and ("名" in text or "尚未上榜" in text)
    # Two columns of figures: 本月积分 beside 累计积分, 服务时长 beside 社区排名.
    boxes = [page.locator(".me-stat").nth(n).bounding_box() for n in range(4)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]
    assert boxes[2]["y"] == boxes[3]["y"] > boxes[0]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#workbench").count() == 0  # a party member runs no check-in
    assert page.get_by_role("button", name="退出登录").count() == 1
    assert serious_violations(page) == []
    assert page.console_errors == []
    shoot(page, "partymember")

    leader = phone()
    log_in(leader, base, "leader")
    leader.goto(f"{base}/me/")
    workbench = leader.locator("#workbench")
    show = workbench.get_by_role("link", name="出示签到码")
    for name in ("出示签到码", "扫个人码", "出勤名单"):
        button = workbench.get_by_role("link", name=name, exact=True).first
        assert leader.evaluate(SEEN_WHOLE, button.element_handle()), name
    assert "进行中" in workbench.inner_text()
    assert leader.evaluate(
        "() => document.querySelector('#workbench').getBoundingClientRect().top"
        " < document.querySelector('.me-card').getBoundingClientRect().top"
    )
    assert serious_violations(leader) == []
    shoot(leader, "leader")

    show.first.click()
    leader.wait_for_load_state()
    assert "/checkin/" in leader.url and "mode=in" in leader.url
    shoot(leader, "leader-checkin-screen")
