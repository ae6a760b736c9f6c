"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

No browser is downloaded: Playwright launches /usr/bin/chromium (CHROMIUM_PATH overrides).
Without it these tests are skipped (tests/conftest.py says so at the end of the run), except
under CI=true, where they fail. Screenshots of every test land in var/screenshots/.
"""

import os
from pathlib import Path

import pytest

from ..conftest import CHROMIUM, INSTALL

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# A run with the clock moved by libfaketime (.ci/run) preloads it into every process; Chromium
# does not run under it (it spins), so the browser keeps the real clock. The server's clock
# is the one that decides: cookies and tokens carry lifetimes, not the browser's "now".

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: {INSTALL}")
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and "FAKETIME" not in k}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            env=env,
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context; console errors are collected."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


# WeChat's in-app browser on an Android phone: how most volunteers open the site.
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) "
    "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN"
)


@pytest.fixture
def wechat(browser):
    """A phone in WeChat (390×844, touch), optionally in English once ``base`` is given;
    console errors are collected on ``page.console_errors``."""
    contexts = []

    def open_page(language: str = "zh-hans", base: str = ""):
        context = browser.new_context(
            viewport=PHONE, user_agent=WECHAT, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        if base:
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def sms_outbox(settings):
    """The SMS the server sends during the test (the in-memory backend), newest last."""
    from core.sms import LocmemSMSBackend

    settings.SMS_BACKEND = "core.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def shoot(request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, base_url: str, username: str, password: str = "shazhou2026") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def desktop(browser, base_url: str, username: str):
    """A fresh desktop-sized context, logged in as ``username``: (context, page)."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, base_url, username)
    return context, page
