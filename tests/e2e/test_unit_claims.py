"""单位认领 in a real browser: a 共建单位's contact claims a resident's need for the unit.

The contact (not a party member) opens the need on a phone, is offered 以<单位>名义认领
instead of 我来认领, clicks it, and finds the claim under 本单位认领 on their card, apart
from their own claims.
"""

import datetime

import pytest
from django.utils import timezone

from volunteers.models import Claim, Need, NeedCategory
from volunteers.services.needs import need_record

from .conftest import log_in
from .test_site_pages import restore_migration_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UNIT = "敦煌市文化和旅游局"


def test_a_units_contact_claims_a_need_for_the_unit(
    wechat, live_server, shoot, person_with_role, town
):
    restore_migration_data()
    worker = person_with_role("grid_worker", town.liyuan_grid1, real_name="网格员王芳")
    need = need_record(
        by=worker.user,
        grid=town.liyuan_grid1,
        kind=Need.Kind.GOODS,
        category=NeedCategory.objects.get(name="助困扶残与就业援助"),
        title="冬季棉衣两件",
        resident_name="王奶奶",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
        publish=True,
    )
    person_with_role(
        "contact", town.unit, real_name="文旅联络人", username="unitcontact", phone_verified=True
    )
    base = live_server.url

    page = wechat()
    log_in(page, base, "unitcontact")
    page.goto(f"{base}/needs/{need.pk}/")
    assert page.get_by_role("button", name="我来认领").count() == 0  # not a party member
    shoot(page, "offer")
    page.get_by_role("button", name=f"以{UNIT}名义认领").click()
    page.wait_for_load_state()

    assert page.url.startswith(f"{base}/me/claims/")
    assert "本单位认领" in page.inner_text("main")
    assert "冬季棉衣两件" in page.inner_text("main")
    shoot(page, "card")
    claim = Claim.objects.get()
    assert claim.unit == town.unit and claim.status == Claim.Status.CLAIMED
    page.goto(f"{base}/needs/{need.pk}/")
    assert f"{UNIT}已认领" in page.inner_text("main")
    assert page.console_errors == []
