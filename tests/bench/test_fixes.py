"""What the benchmark's profiling changed: the gettext memo and the Redis client reuse."""

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import trans_real

from core import i18n


def test_gettext_memo_is_installed_and_answers_as_before():
    assert getattr(trans_real.DjangoTranslation.gettext, "remembers", False)
    with translation.override("zh-hans"):
        # A Chinese-first msgid misses every catalog and comes back as it is …
        assert translation.gettext("签到成功") == "签到成功"
        # … and Django's own strings are still translated, the second time from the memo.
        assert translation.gettext("Save") == "保存"
        assert translation.gettext("Save") == "保存"
    with translation.override("en"):
        assert translation.gettext("Save") == "Save"


def test_gettext_memo_keeps_safe_text_safe_and_plain_text_plain():
    with translation.override("zh-hans"):
        assert isinstance(translation.gettext(mark_safe("<b>安全</b>")), SafeString)
        plain = translation.gettext("<b>安全</b>")  # the same text, not marked this time
        assert not isinstance(plain, SafeString)


def test_gettext_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(i18n, "MEMO_LIMIT", 3)
    with translation.override("zh-hans"):
        memo_owner = trans_real.translation("zh-hans")
        memo_owner.__dict__.pop(i18n._MEMO, None)
        for n in range(10):
            assert translation.gettext(f"动态文字 {n}") == f"动态文字 {n}"
        assert len(memo_owner.__dict__[i18n._MEMO]) == 3


def test_gettext_memo_installs_once():
    wrapped = trans_real.DjangoTranslation.gettext
    i18n.install()
    assert trans_real.DjangoTranslation.gettext is wrapped


def test_page_cache_reads_version_and_page_in_one_round_trip(monkeypatch):
    from django.core.cache import cache

    from cms import cache as page_cache

    calls, inside = [], []
    real_get, real_get_many = cache.get, cache.get_many

    def get(*args, **kwargs):
        if not inside:  # locmem's get_many is a loop of gets; Redis's is one MGET
            calls.append("get")
        return real_get(*args, **kwargs)

    def get_many(keys):
        calls.append("get_many")
        inside.append(True)
        try:
            return real_get_many(keys)
        finally:
            inside.pop()

    monkeypatch.setattr(cache, "get", get)
    monkeypatch.setattr(cache, "get_many", get_many)
    version = page_cache.bump_content_version()
    cache.set("cms:page:zh-hans:abc", {"version": version, "content": "页", "headers": {}})
    assert page_cache.cached_entry("cms:page:zh-hans:abc") == (
        version,
        {"version": version, "content": "页", "headers": {}},
    )
    assert calls == ["get_many"]
    # A purge makes the stored copy a miss at once, without deleting anything.
    newer = page_cache.bump_content_version()
    assert page_cache.cached_entry("cms:page:zh-hans:abc") == (newer, None)
