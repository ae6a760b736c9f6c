"""The demo town, seeded once per test session and shared by every test in this package.

Seeding the town takes seconds; seeding it for each test took most of the suite's time. Here
``seed_demo`` runs once per worker, inside a transaction that is rolled back when the package
is done, and each test runs in a savepoint on top of it (pytest-django's ``db``), so what one
test writes is gone before the next, and the tests elsewhere never see the town.

The seed and every test here run at 07:30 in Shazhou on the run's own day (the clock keeps
ticking from there): far from a midnight that a test could straddle, and in the hours when UTC
is still on the day before, where a date read in the wrong time zone shows.
"""

import io
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cms.models import HomePage

from ..clock import shazhou_at

PEOPLE = 60
SEEDED_AT = shazhou_at(hour=7, minute=30)


def homepages() -> list[tuple]:
    return list(HomePage.objects.values_list("pk", "path", "title", "live"))


@pytest.fixture(scope="package", autouse=True)
def demo_town(django_db_setup, django_db_blocker, tmp_path_factory):
    """What the one seed printed, and the Wagtail home page as it was before it."""
    media = tmp_path_factory.mktemp("demo-media")  # the seed draws the site's pictures
    with (
        time_machine.travel(SEEDED_AT, tick=True),
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        before = homepages()
        out = io.StringIO()
        call_command("seed_demo", people=PEOPLE, stdout=out)
        yield SimpleNamespace(output=out.getvalue(), homepages_before=before)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_a_savepoint(db):
    """Every test here writes in its own savepoint, rolled back after it."""
