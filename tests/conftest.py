"""Shared fixtures: a small town tree and people made through the services.

Also what the machine lacks: without Debian's Chromium the browser tests are skipped, and
without a Chinese font the certificate PDF tests are, each with one loud line at the end of
the run saying how to get them. Under ``CI=true`` both are required: nothing is skipped and
a missing browser or font fails its tests.
"""

import functools
import itertools
import os
import shutil
from types import SimpleNamespace

import pytest

from volunteers.models import Membership, Organisation, Person
from volunteers.services.memberships import membership_grant
from volunteers.services.organisations import organisation_add
from volunteers.services.people import person_create

from .actors import make_actor

_phones = itertools.count(13900000000)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
INSTALL = "apt-get install chromium fonts-noto-cjk"


def next_phone() -> str:
    return str(next(_phones))


TOOLS = {"e2e": "browser tests", "cjk_font": "certificate PDF tests"}


@functools.cache
def missing_on_this_machine() -> dict[str, str]:
    """Marker name → what is missing, for the markers whose tests this machine cannot run."""
    from points.certificate_pdf import CertificateFontMissing, certificate_font

    missing = {}
    if not os.path.exists(CHROMIUM):
        missing["e2e"] = f"no Chromium at {CHROMIUM}"
    try:
        certificate_font()
    except CertificateFontMissing:
        missing["cjk_font"] = "no Chinese font"
    return missing


def pytest_collection_modifyitems(config, items):
    missing = {} if IN_CI else missing_on_this_machine()
    for item in items:
        for marker, what in missing.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"{what}: {INSTALL}"))


def pytest_terminal_summary(terminalreporter):
    missing = {} if IN_CI else missing_on_this_machine()
    if missing:
        skipped = " and ".join(f"the {TOOLS[marker]} ({what})" for marker, what in missing.items())
        terminalreporter.write_line(
            f"SKIPPED {skipped}: `{INSTALL}` gives them; under CI=true they are required.",
            red=True,
            bold=True,
        )


@pytest.fixture
def town(db):
    """Two communities, each with grids and a party tree, plus the volunteer side."""
    kind = Organisation.Kind
    root = organisation_add(parent=None, name="沙州镇", kind=kind.TOWN, code="shazhou")
    nodes = {"town": root}
    for slug, name in (("liyuan", "梨园社区"), ("qiaobei", "桥北社区")):
        community = organisation_add(parent=root, name=name, kind=kind.COMMUNITY, code=slug)
        nodes[slug] = community
        for n in (1, 2):
            nodes[f"{slug}_grid{n}"] = organisation_add(
                parent=community, name=f"{name}第{n}网格", kind=kind.GRID, code=f"{slug}-grid-{n}"
            )
        committee = organisation_add(
            parent=community, name=f"{name}大党委", kind=kind.PARTY_COMMITTEE, code=f"{slug}-pc"
        )
        branch = organisation_add(
            parent=committee,
            name=f"{name}第一网格党支部",
            kind=kind.PARTY_BRANCH,
            code=f"{slug}-branch-1",
        )
        nodes[f"{slug}_branch"] = branch
        nodes[f"{slug}_group"] = organisation_add(
            parent=branch, name=f"{name}第一党小组", kind=kind.PARTY_GROUP, code=f"{slug}-group-1"
        )
    detachment = organisation_add(
        parent=root, name="沙州镇志愿服务支队", kind=kind.DETACHMENT, code="detachment"
    )
    squad = organisation_add(
        parent=detachment, name="梨园志愿服务小分队", kind=kind.SQUAD, code="squad-liyuan"
    )
    nodes["detachment"] = detachment
    nodes["squad"] = squad
    nodes["team"] = organisation_add(
        parent=squad, name="文明交通劝导队", kind=kind.TEAM, code="team-traffic"
    )
    nodes["other_team"] = organisation_add(
        parent=squad, name="敬老助残服务队", kind=kind.TEAM, code="team-elderly"
    )
    nodes["unit"] = organisation_add(
        parent=root, name="敦煌市文化和旅游局", kind=kind.UNIT, code="unit-culture"
    )
    for node in nodes.values():
        node.refresh_from_db()
    return SimpleNamespace(**nodes)


@pytest.fixture
def make_person(db, django_user_model):
    def make(*, real_name="张三", with_user=True, username=None, **kwargs) -> Person:
        user = None
        if with_user:
            user = django_user_model.objects.create_user(
                username=username or f"u{next_phone()}", password="shazhou2026"
            )
        kwargs.setdefault("phone", next_phone())
        return person_create(real_name=real_name, user=user, **kwargs)

    return make


@pytest.fixture
def person_with_role(make_person):
    """A person with a login holding ``role`` on ``organisation``."""

    def make(role: str, organisation: Organisation, **kwargs) -> Person:
        person = make_person(**kwargs)
        membership_grant(person=person, organisation=organisation, role=role)
        return person

    return make


@pytest.fixture
def Role():
    return Membership.Role


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Background exports of a test go to a folder of its own, never the checkout's var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and cached pages must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_activity(town):
    """A published activity of 梨园社区 running from 10 minutes ago for two hours."""
    import datetime

    from django.utils import timezone

    from volunteers.models import ActivityCategory
    from volunteers.services.activities import activity_create

    def make(**kwargs):
        now = timezone.now()
        kwargs.setdefault("organisation", town.liyuan)
        kwargs.setdefault("title", "文明交通劝导")
        # get_or_create: a transactional test before this one may have flushed the
        # categories that a data migration put in.
        kwargs.setdefault(
            "category", ActivityCategory.objects.get_or_create(name="文明交通劝导")[0]
        )
        kwargs.setdefault("starts_at", now - datetime.timedelta(minutes=10))
        kwargs.setdefault("ends_at", kwargs["starts_at"] + datetime.timedelta(hours=2))
        kwargs.setdefault("address", "沙州镇阳关中路与鸣山路十字")
        kwargs.setdefault("signup_required", False)
        return activity_create(**kwargs)

    return make


@pytest.fixture
def verify_clean():
    """Asserts that every stored points total agrees with the ledger."""
    from points.verify import ledger_differences

    def check():
        differences = ledger_differences()
        assert differences == [], "\n".join(map(str, differences))

    return check


@pytest.fixture
def actor(town, make_person, person_with_role):
    """``actor(name)``: one of ``tests.actors.ACTORS`` as ``.user`` and ``.person``."""

    def make(name: str):
        return make_actor(
            name, town=town, make_person=make_person, person_with_role=person_with_role
        )

    return make
