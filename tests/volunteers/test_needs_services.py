"""需求清单 and 双项认领's services: the life of a need, and every refusal the issue names.

Each refusal is a domain error of the right kind (so the right 4xx) with a Chinese
message, and writes nothing: the need's counters and the claims stay as they were.
"""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, TooMany
from volunteers.models import AuditEvent, Claim, Need, NeedCategory, Notification
from volunteers.services import needs
from volunteers.services.needs import (
    claim_confirm,
    claim_report,
    claim_withdraw,
    need_claim,
    need_close,
    need_publish,
    need_record,
    need_submit,
)

PARTY = "party_member"


@pytest.fixture
def category(db):
    return NeedCategory.objects.get(name="健康医疗")


@pytest.fixture
def grid_worker(person_with_role, town):
    return person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳")


@pytest.fixture
def resident(make_person, town):
    return make_person(real_name="居民李大爷", home_grid=town.liyuan_grid1)


@pytest.fixture
def member(make_person, town):
    return make_person(real_name="党员赵文静", political_status=PARTY, home_grid=town.qiaobei_grid1)


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def submit(resident, town, category):
    def make(**changes) -> Need:
        values = {
            "person": resident,
            "grid": town.liyuan_grid1,
            "kind": Need.Kind.SERVICE,
            "category": category,
            "title": "李大爷家的水龙头漏水，需要更换",
            "description": "厨房水龙头漏水。\n上午在家。",
            "address": "梨园小区 3 号楼 2 单元 101",
            "deadline": today() + datetime.timedelta(days=10),
        }
        values.update(changes)
        return need_submit(**values)

    return make


@pytest.fixture
def published(submit, grid_worker):
    def make(**changes) -> Need:
        return need_publish(
            need=submit(**changes), by=grid_worker.user, public_title="为独居老人更换水龙头"
        )

    return make


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("done.png", buffer.getvalue(), content_type="image/png")


def test_a_need_goes_from_submitted_to_done(published, member, grid_worker, resident):
    need = published()
    assert need.status == Need.Status.PUBLISHED
    assert need.public_title == "为独居老人更换水龙头"
    assert need.community.name == "梨园社区"

    claim = need_claim(need=need, person=member)
    need.refresh_from_db()
    assert (need.status, need.claimed_places) == (Need.Status.CLAIMED, 1)

    claim = claim_report(
        claim=claim,
        person=member,
        minutes=90,
        served_on=today(),
        note="换好了新的水龙头。",
        photo=png(),
    )
    assert claim.status == Claim.Status.REPORTED
    assert claim.photo.name.endswith(".png")

    claim = claim_confirm(claim=claim, by=grid_worker.user)
    need.refresh_from_db()
    assert claim.status == Claim.Status.CONFIRMED
    assert need.status == Need.Status.DONE
    events = AuditEvent.objects.filter(action__regex=r"^(need|claim)\.").order_by("pk")
    actions = list(events.values_list("action", flat=True))
    assert actions == [
        "need.submit",
        "need.publish",
        "need.claim",
        "claim.report",
        "claim.confirm",
    ]
    # The resident heard of each step that concerns them, the claimant of the confirmation.
    assert Notification.objects.filter(recipient=resident).count() == 3
    assert Notification.objects.filter(recipient=member, title="认领服务已确认").exists()


def test_the_resident_may_confirm_their_own_need(published, member, resident):
    claim = need_claim(need=published(), person=member)
    claim_report(claim=claim, person=member, minutes=30, served_on=today(), note="送到了")
    assert claim_confirm(claim=claim, by=resident.user).status == Claim.Status.CONFIRMED


def test_a_need_for_two_stays_open_until_both_places_are_taken(
    published, member, make_person, town
):
    need = published(places=2)
    need_claim(need=need, person=member)
    need.refresh_from_db()
    assert (need.status, need.open_places) == (Need.Status.PUBLISHED, 1)
    other = make_person(political_status=PARTY)
    need_claim(need=need, person=other)
    need.refresh_from_db()
    assert (need.status, need.open_places) == (Need.Status.CLAIMED, 0)


def test_claiming_twice_is_a_conflict(published, member):
    need = published(places=2)
    need_claim(need=need, person=member)
    with pytest.raises(Conflict) as refused:
        need_claim(need=need, person=member)
    assert refused.value.message == "您已经认领了这项需求。"
    need.refresh_from_db()
    assert need.claimed_places == 1
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("arrange", "kind", "code"),
    [
        ("pending", Conflict, "need_pending"),
        ("closed", Conflict, "need_closed"),
        ("full", Conflict, "need_full"),
        ("past", Gone, "need_past_deadline"),
        ("volunteer", Forbidden, "not_party_member"),
    ],
)
def test_a_claim_is_refused_with_its_reason(
    arrange, kind, code, submit, published, member, grid_worker, make_person, time_machine
):
    claimant = member
    if arrange == "pending":
        need = submit()
    elif arrange == "closed":
        need = need_close(need=published(), by=grid_worker.user, reason="已由家属解决")
    elif arrange == "full":
        need = published()
        need_claim(need=need, person=make_person(political_status=PARTY))
    elif arrange == "past":
        need = published(deadline=today() + datetime.timedelta(days=1))
        time_machine.move_to(timezone.now() + datetime.timedelta(days=3))
    else:
        need = published()
        claimant = make_person(real_name="群众志愿者")
    before = Claim.objects.count()
    with pytest.raises(kind) as refused:
        need_claim(need=need, person=claimant)
    assert refused.value.code == code
    assert Claim.objects.count() == before


def test_reporting_without_a_claim_of_ones_own_is_not_found(published, member, make_person):
    claim = need_claim(need=published(), person=member)
    stranger = make_person(political_status=PARTY)
    with pytest.raises(NotFound):
        claim_report(claim=claim, person=stranger, minutes=30, served_on=today(), note="做完了")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED


def test_confirming_before_the_claimant_reports_is_a_conflict(published, member, grid_worker):
    claim = need_claim(need=published(), person=member)
    with pytest.raises(Conflict) as refused:
        claim_confirm(claim=claim, by=grid_worker.user)
    assert refused.value.code == "not_reported"


def test_staff_of_another_community_may_not_confirm(published, member, person_with_role, town):
    claim = need_claim(need=published(), person=member)
    claim_report(claim=claim, person=member, minutes=30, served_on=today(), note="做完了")
    other = person_with_role("grid_worker", town.qiaobei_grid1)
    with pytest.raises(Forbidden):
        claim_confirm(claim=claim, by=other.user)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"minutes": 0}, "minutes_range"),
        ({"minutes": 24 * 60 + 1}, "minutes_range"),
        ({"served_on": None}, "served_on_range"),
        ({"note": "<b>做完了</b>"}, "note_markup"),
        ({"note": "  "}, "note_required"),
        ({"photo": SimpleUploadedFile("x.png", b"not a picture", "image/png")}, "photo_not_image"),
    ],
)
def test_a_bad_report_is_refused_and_writes_nothing(published, member, changes, code):
    claim = need_claim(need=published(), person=member)
    values = {"minutes": 60, "served_on": today(), "note": "做完了", "photo": None}
    values.update(changes)
    with pytest.raises(Invalid) as refused:
        claim_report(claim=claim, person=member, **values)
    assert refused.value.code == code
    claim.refresh_from_db()
    assert (claim.status, claim.minutes, claim.note) == (Claim.Status.CLAIMED, None, "")


def test_withdrawing_gives_the_place_back(published, member):
    need = published()
    claim = need_claim(need=need, person=member)
    claim_withdraw(claim=claim, person=member)
    need.refresh_from_db()
    assert (need.status, need.claimed_places) == (Need.Status.PUBLISHED, 0)
    # and the member may claim it again
    assert need_claim(need=need, person=member).status == Claim.Status.CLAIMED


def test_closing_withdraws_unserved_claims_and_needs_a_reason(published, member, grid_worker):
    need = published()
    claim = need_claim(need=need, person=member)
    with pytest.raises(Invalid):
        need_close(need=need, by=grid_worker.user, reason=" ")
    need = need_close(need=need, by=grid_worker.user, reason="居民已搬离")
    claim.refresh_from_db()
    assert (need.status, need.close_reason, need.claimed_places) == (
        Need.Status.CLOSED,
        "居民已搬离",
        0,
    )
    assert claim.status == Claim.Status.WITHDRAWN


def test_closing_waits_for_a_reported_service_to_be_confirmed(published, member, grid_worker):
    need = published()
    claim = need_claim(need=need, person=member)
    claim_report(claim=claim, person=member, minutes=30, served_on=today(), note="做完了")
    with pytest.raises(Conflict) as refused:
        need_close(need=need, by=grid_worker.user, reason="不需要了")
    assert refused.value.code == "claims_reported"


def test_a_resident_submits_a_few_needs_a_day(submit, resident):
    for _ in range(needs.SUBMISSIONS_PER_DAY):
        submit()
    with pytest.raises(TooMany) as refused:
        submit()
    assert "24 小时内最多提交" in str(refused.value.message)
    assert Need.objects.filter(resident=resident).count() == needs.SUBMISSIONS_PER_DAY


def test_a_need_outside_the_residents_community_is_refused(submit, town):
    with pytest.raises(Invalid) as refused:
        submit(grid=town.qiaobei_grid1)
    assert refused.value.code == "outside_community"
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "<script>alert(1)</script>"}, "title_markup"),
        ({"title": ""}, "title_required"),
        ({"description": "a\x00b"}, "description_control_characters"),
        ({"deadline": None}, "deadline_required"),
        ({"places": 0}, "places_range"),
        ({"kind": "money"}, "kind"),
        ({"deadline": "yesterday"}, "deadline_past"),
    ],
)
def test_bad_need_texts_are_refused(submit, changes, code):
    if changes.get("deadline") == "yesterday":
        changes = {"deadline": today() - datetime.timedelta(days=1)}
    with pytest.raises(Invalid) as refused:
        submit(**changes)
    assert refused.value.code == code
    assert not Need.objects.exists()


def test_only_the_grids_staff_record_and_publish(town, category, person_with_role, grid_worker):
    values = {
        "grid": town.liyuan_grid1,
        "kind": Need.Kind.GOODS,
        "category": category,
        "title": "冬季棉衣两件",
        "resident_name": "王奶奶",
        "resident_phone": "13912345678",
        "deadline": today() + datetime.timedelta(days=5),
    }
    outsider = person_with_role("grid_worker", town.qiaobei_grid1)
    with pytest.raises(Forbidden):
        need_record(by=outsider.user, **values)
    need = need_record(by=grid_worker.user, publish=True, **values)
    assert (need.status, need.public_title) == (Need.Status.PUBLISHED, "冬季棉衣两件")
    with pytest.raises(Conflict):
        need_publish(need=need, by=grid_worker.user)
