"""The demo's 需求清单 and 双项认领 (demo/needs.py): what the demo accounts find waiting."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from demo import needs as demo_needs
from volunteers.models import Claim, Need, Notification, Organisation
from volunteers.permissions import Action, can
from volunteers.services.needs import claim_confirm, claim_refusal, need_claim, need_publish

from .conftest import PEOPLE


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_needs_are_in_every_state_of_both_kinds_across_communities():
    needs = Need.objects.all()
    assert needs.count() == len(demo_needs.NEEDS) >= 30
    assert set(needs.values_list("status", flat=True)) == set(Need.Status.values)
    assert set(needs.values_list("kind", flat=True)) == {"goods", "service"}
    assert needs.order_by().values("community").distinct().count() >= 4
    assert needs.order_by().values("category").distinct().count() >= 6
    for need in needs.filter(status="closed"):
        assert need.close_reason and need.closed_at, need.title
    for need in needs.filter(status="done"):
        assert need.claimed_places == need.places
        assert need.claims.filter(status="confirmed").count() == need.places
    # A need closed after it was claimed gave its claimant's place back.
    assert Claim.objects.filter(status="withdrawn", need__status="closed").exists()


def test_public_titles_name_no_resident():
    for need in Need.objects.all():
        assert need.resident_name not in need.public_title, need.public_title
        assert need.public_title
    # The staff's own titles do name some residents: the public one is a real mask.
    assert Need.objects.filter(title__contains="王桂兰").exists()


def test_partymember_has_one_confirmed_and_one_open_claim():
    # Her claims on needs (her post claim is demo/projects.py's, tested there).
    claims = Claim.objects.filter(person__user__username="partymember", need__isnull=False)
    assert sorted(claims.values_list("status", flat=True)) == ["claimed", "confirmed"]
    done = claims.get(status="confirmed")
    assert done.need.status == "done"
    assert done.confirmed_by == user("gridworker")
    assert done.minutes and done.note
    assert claims.get(status="claimed").need.status == "claimed"
    # Generated party members claim too, some waiting for the grid to confirm.
    others = Claim.objects.exclude(person__user__username="partymember")
    assert others.filter(person__user__isnull=True).count() >= 10
    assert others.filter(status="reported").exists()


def test_gridworker_approves_the_volunteers_wish_and_confirms_a_reported_claim():
    gridworker = user("gridworker")
    grid = Organisation.objects.get(code="liyuan-grid-03")
    assert can(gridworker, Action.MANAGE_NEEDS, grid)
    assert not can(gridworker, Action.MANAGE_NEEDS, Organisation.objects.get(code="liyuan-grid-05"))
    assert gridworker.has_perm("wagtailadmin.access_admin")
    told = set(
        Notification.objects.filter(recipient__user=gridworker, kind="need").values_list(
            "title", flat=True
        )
    )
    pending = Need.objects.get(resident__user__username="volunteer", status="pending")
    assert f"新的微心愿待审核：{pending.title}" in told

    need_publish(need=pending, by=gridworker, public_title="每周帮老人取药")

    assert Need.objects.public().filter(pk=pending.pk, public_title="每周帮老人取药").exists()
    reported = Claim.objects.get(need__grid=grid, status="reported")
    claim_confirm(claim=reported, by=gridworker)
    reported.refresh_from_db()
    assert reported.status == "confirmed"


def test_partymember_can_claim_the_volunteers_published_wish():
    wish = Need.objects.get(resident__user__username="volunteer", status="published")
    assert wish.public_title == "辅导三年级学生数学"
    partymember = user("partymember").person
    assert claim_refusal(wish, partymember) is None

    need_claim(need=wish, person=partymember)

    wish.refresh_from_db()
    assert wish.status == "claimed"


def test_some_published_needs_are_unclaimed_three_days_before_their_deadline():
    soon = timezone.localdate() + datetime.timedelta(days=3)
    flagged = Need.objects.filter(status="published", claimed_places=0, deadline__lte=soon)
    assert flagged.count() >= 3
    assert not Need.objects.filter(deadline__lt=timezone.localdate()).exists()


def test_running_the_seed_again_adds_no_need_and_no_claim(demo_town):
    before = list(Need.objects.order_by("pk").values_list("pk", "status", "claimed_places"))
    claims = list(Claim.objects.order_by("pk").values_list("pk", "status"))
    assert "需求 needs: pending 5, published 10, claimed 6, done 6, closed 4" in demo_town.output

    out = io.StringIO()
    call_command("seed_demo", people=PEOPLE, stdout=out)

    assert list(Need.objects.order_by("pk").values_list("pk", "status", "claimed_places")) == before
    assert list(Claim.objects.order_by("pk").values_list("pk", "status")) == claims
    assert "Nothing to do" in out.getvalue()


def test_demo_accounts_lists_the_gridworker():
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "gridworker" in line)
    assert "13800000008" in line and "梨园社区第3网格专职网格员" in line
    assert "需求清单" in line
