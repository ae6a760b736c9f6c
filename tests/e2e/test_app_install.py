"""Installable: in a real browser the service worker takes over, keeps the shell and static
files (never a page), and shows the offline page when the phone loses the network."""

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_worker_keeps_the_shell_not_pages_and_serves_the_offline_page(
    live_server, phone, shoot, make_person
):
    person = make_person(real_name="王小明", username="xiaoming")
    person.user.set_password("shazhou2026")
    person.user.save()
    page = phone()
    log_in(page, live_server.url, "xiaoming")
    page.goto(f"{live_server.url}/me/")
    scope = page.evaluate(
        "navigator.serviceWorker.ready.then((registration) => registration.scope)"
    )
    assert scope == f"{live_server.url}/"

    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const key of await caches.keys()) {
              const cache = await caches.open(key);
              for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
            }
            return urls;
        }"""
    )
    assert "/offline/" in cached
    assert any(url.startswith("/static/css/site") for url in cached)
    assert not [url for url in cached if url.startswith(("/me", "/activities", "/accounts"))]

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/activities/")
    assert page.locator("h1").inner_text() == "网络不可用"
    assert "王小明" not in page.content()
    shoot(page, "offline")
    page.context.set_offline(False)
    page.reload()
    assert page.locator("h1").inner_text() != "网络不可用"
