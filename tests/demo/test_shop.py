"""The demo's 爱心超市: every community's shelf, a redemption handed over, a certificate."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from points.models import PointsEntry, Redemption, Reward
from volunteers.models import Organisation

from .conftest import PEOPLE

HAND_OVER = "/shop/hand-over/"


@pytest.mark.cjk_font  # the demo volunteer also downloads a certificate
def test_the_demo_volunteer_redeems_and_the_demo_secretary_hands_over():
    rewards = Reward.objects.count()
    call_command("seed_demo", people=PEOPLE, stdout=io.StringIO())  # idempotent
    assert Reward.objects.count() == rewards == 8 * 6
    communities = Organisation.objects.filter(kind="community")
    assert all(c.rewards.filter(image__isnull=False).count() == 6 for c in communities)
    assert PointsEntry.objects.filter(idempotency_key="demo:volunteer:shop-welcome").count() == 1

    users = get_user_model().objects
    volunteer, secretary = users.get(username="volunteer"), users.get(username="secretary")
    client = Client()
    client.force_login(volunteer)
    shelf = client.get("/shop/liyuan/").content.decode()
    assert "大米" in shelf and "洗衣粉" in shelf and "食用油" in shelf and "毛巾" in shelf
    rice = Reward.objects.get(community__code="liyuan", name="大米")
    confirm = client.get(f"/shop/rewards/{rice.pk}/redeem/").content.decode()
    assert "梨园社区党群服务中心一楼爱心超市" in confirm  # where to collect it
    ticket = re.search(r'name="ticket" value="([^"]+)"', confirm)[1]
    client.post(f"/shop/rewards/{rice.pk}/redeem/", {"ticket": ticket})
    redemption = Redemption.objects.get(person__user=volunteer)

    client.force_login(secretary)
    handed = client.post(HAND_OVER, {"code": redemption.display_code}, follow=True)
    assert "已发放：陈小燕 兑换的“大米”" in handed.content.decode()

    # The volunteer's demo service is enough for a certificate that verifies.
    client.force_login(volunteer)
    client.post("/me/certificates/")
    number = volunteer.person.certificates.get().number
    assert client.get(f"/me/certificates/{number}.pdf")["Content-Type"] == "application/pdf"
    assert "有效" in Client().get(f"/certificates/{number}/").content.decode()
