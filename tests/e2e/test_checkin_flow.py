"""A volunteer on a phone signs up, scans the organiser's QR and is checked in."""

import datetime
import io

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from volunteers.models import Attendance, SignUp

from .conftest import log_in

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_volunteer_signs_up_scans_the_organisers_qr_and_is_checked_in(
    live_server, phone, shoot, make_activity, make_person, person_with_role, town
):
    # Starts in 20 minutes: sign-up is still open and check-in already is (30 min before).
    starts = timezone.now() + datetime.timedelta(minutes=20)
    activity = make_activity(
        title="阳关中路文明交通劝导",
        signup_required=True,
        capacity=20,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    volunteer = make_person(
        real_name="陈小燕", username="volunteer", home_grid=town.liyuan_grid1, phone_verified=True
    )
    person_with_role(
        "leader", town.liyuan, real_name="张志强", username="leader", phone_verified=True
    )
    base = live_server.url

    page = phone()
    log_in(page, base, "volunteer")
    page.goto(f"{base}/activities/{activity.pk}/")
    page.get_by_role("button", name="我要报名").click()
    page.wait_for_load_state()
    assert "已报名" in page.inner_text("main")
    assert SignUp.objects.get(person=volunteer).status == SignUp.Status.CONFIRMED
    shoot(page, "signed-up")

    # The organiser's current QR, as the projector would show it, read by a real decoder.
    organiser = phone()
    log_in(organiser, base, "leader")
    png = organiser.request.get(f"{base}/activities/{activity.pk}/qr.png?mode=in")
    assert png.ok and png.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())))
    assert len(decoded) == 1
    url = decoded[0].text
    assert url.startswith(f"{base}/c/")

    page.goto(url)
    assert "签到成功" in page.inner_text("main")
    shoot(page, "checked-in")
    first = Attendance.objects.get(activity=activity, person=volunteer)

    page.goto(url)
    body = page.inner_text("main")
    assert "已签到" in body
    assert timezone.localtime(first.checked_in_at).strftime("%H:%M") in body
    assert Attendance.objects.filter(activity=activity, person=volunteer).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []
