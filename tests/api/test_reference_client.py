"""The reference client (docs/api_client.py) walks the whole scan against a live server.

A small town built by fixtures: 王队长 leads 梨园社区 (so he runs check-in for its
activities), an activity started ten minutes ago that needs a sign-up (still open for it),
and 陈小燕, a resident of 梨园. The client knows nothing but the server's address, the two
phones and the password: it finds every operation in the schema by its operationId.

Until every operation it calls is in the schema, these tests skip and say which are
missing; they turn on by themselves when the operations land.
"""

import datetime
import importlib.util
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiSession
from volunteers.models import Attendance, SignUp

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "api_client.py"
PASSWORD = "shazhou2026"  # make_person's
LEADER_PHONE = "13911110003"
VOLUNTEER_PHONE = "13911110005"


def load_client():
    spec = importlib.util.spec_from_file_location("api_client", CLIENT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_client = load_client()


@pytest.fixture
def needed_operations(db):
    """Skips while the schema lacks an operation the walk calls."""
    schema = Client().get("/api/v1/openapi.json").json()
    present = {
        operation.get("operationId")
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
    }
    missing = [name for name in api_client.NEEDED if name not in present]
    if missing:
        pytest.skip("the API does not have these operations yet: " + ", ".join(missing))


@pytest.fixture
def small_town(town, make_person, person_with_role, make_activity):
    leader = person_with_role(
        "leader", town.liyuan, real_name="王队长", phone=LEADER_PHONE, phone_verified=True
    )
    volunteer = make_person(
        real_name="陈小燕",
        phone=VOLUNTEER_PHONE,
        phone_verified=True,
        home_grid=town.liyuan_grid1,
    )
    now = timezone.now()
    activity = make_activity(
        title="阳关中路文明交通劝导",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
        signup_required=True,
        signup_closes_at=now + datetime.timedelta(hours=1),
    )
    return leader, volunteer, activity


def run_walk(live_server) -> tuple[int, list[str]]:
    lines: list[str] = []
    argv = [
        "--base-url",
        live_server.url,
        "--organiser-phone",
        LEADER_PHONE,
        "--volunteer-phone",
        VOLUNTEER_PHONE,
        "--password",
        PASSWORD,
    ]
    return api_client.main(argv, say=lines.append), lines


def test_the_walk_signs_up_and_checks_in_from_the_schema_alone_and_again_is_already_in(
    needed_operations, small_town, live_server
):
    _leader, volunteer, activity = small_town

    code, lines = run_walk(live_server)

    assert code == 0, "\n".join(lines)
    output = "\n".join(lines)
    assert "报名成功" in output
    assert "scan: checked_in" in output
    assert SignUp.objects.filter(activity=activity, person=volunteer).count() == 1
    attendance = Attendance.objects.get(activity=activity, person=volunteer)
    assert attendance.checked_in_at is not None

    # A second walk finds the sign-up (no second one) and the scan answers already_in.
    code, lines = run_walk(live_server)

    assert code == 0, "\n".join(lines)
    assert "scan: already_in" in "\n".join(lines)
    assert SignUp.objects.filter(activity=activity, person=volunteer).count() == 1
    assert Attendance.objects.filter(activity=activity, person=volunteer).count() == 1


def test_an_expired_access_token_is_refreshed_once_and_the_call_goes_through(
    needed_operations, small_town, live_server
):
    _leader, volunteer, _activity = small_town
    schema = api_client.Schema(live_server.url)
    session = api_client.Session(schema, "志愿者")
    session.sign_in(VOLUNTEER_PHONE, PASSWORD)
    first_refresh = session.refresh
    ApiSession.objects.filter(user=volunteer.user).update(
        access_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    listed = session.every("activities_list")

    assert listed
    assert session.refresh != first_refresh  # rotated by token_refresh


def test_a_refusal_is_printed_with_its_code_and_the_walk_fails(
    needed_operations, small_town, live_server
):
    lines: list[str] = []
    argv = ["--base-url", live_server.url, "--organiser-phone", LEADER_PHONE, "--password", "x"]

    code = api_client.main(argv, say=lines.append)

    assert code == 1
    assert "refused: 400 invalid_login" in lines[-1]


def test_a_schema_without_the_operations_stops_the_walk_and_names_them(live_server):
    lines: list[str] = []
    schema = api_client.Schema(live_server.url)
    missing = [name for name in api_client.NEEDED if name not in schema.operations]
    if not missing:
        pytest.skip("every operation is there: nothing is missing to name")

    code = api_client.main(["--base-url", live_server.url], say=lines.append)

    assert code == 2
    assert all(name in lines[-1] for name in missing)
