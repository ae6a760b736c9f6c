"""Settings that keep secrets out of the code."""

import os
import stat
import subprocess

import pytest
from django.conf import settings

from config.settings import BASE_DIR, checkout_secret_key


def test_each_checkout_makes_its_own_secret_key_and_keeps_it(tmp_path):
    first = checkout_secret_key(tmp_path)
    again = checkout_secret_key(tmp_path)
    (tmp_path / "other").mkdir()
    elsewhere = checkout_secret_key(tmp_path / "other")

    assert first == again and len(first) >= 50
    assert elsewhere != first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".secret_key.*"))  # no temporary file left behind


def test_the_development_key_is_this_checkouts_and_is_never_committed():
    if "SECRET_KEY" in os.environ:
        pytest.skip("a SECRET_KEY from the environment takes the place of the checkout's own")
    assert (BASE_DIR / "var" / "secret_key").read_text().strip() == settings.SECRET_KEY
    for module in (BASE_DIR / "config" / "settings").glob("*.py"):
        assert settings.SECRET_KEY not in module.read_text(), module
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/secret_key"],  # noqa: S607
        cwd=BASE_DIR,
        check=False,
    )
    assert ignored.returncode == 0, "var/secret_key must be git-ignored"
