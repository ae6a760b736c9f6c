"""The interface chrome has an English translation; the editors' content stays as written."""


def test_the_chrome_switches_to_english(client, pages):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/dongtai/").content.decode()

    assert '<html lang="en">' in html
    for words in (
        "Skip to content",
        "Home",
        "Activities",
        "News",
        "Teams",
        "Honour roll",
        "Join us",
    ):
        assert f">{words}<" in html, words
    assert "Community hotline" in html
    assert "Filter by category" in html
    assert "梨园文明交通劝导队：早高峰路口的一抹红" in html  # content is not machine-translated


def test_english_error_pages_and_empty_states(client, pages):
    client.cookies["django_language"] = "en"
    assert "We could not find this page" in client.get("/no-such-page/").content.decode()
    honour = client.get("/guangrongbang/").content.decode()
    assert "This month's honour roll has not been published yet" in honour


def test_chinese_stays_the_default(client, pages):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "跳到正文" in html and "光荣榜" in html


def test_the_logged_in_chrome_is_english_too(client, pages, make_person):
    person = make_person()
    client.force_login(person.user)
    client.cookies["django_language"] = "en"
    html = client.get("/dongtai/").content.decode()
    assert ">Rankings<" in html
    assert '<span class="visually-hidden">Messages</span>' in html
