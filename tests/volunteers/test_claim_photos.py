"""A claim's photo is private: the claimant, the resident and the grid's staff see it; nobody
else, and it is never a public /media/ address."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from volunteers.models import Need, NeedCategory
from volunteers.services.needs import claim_report, need_claim, need_publish, need_submit


@pytest.fixture
def reported(town, make_person, person_with_role):
    resident = make_person(real_name="居民", home_grid=town.liyuan_grid1)
    worker = person_with_role("grid_worker", town.liyuan_grid1)
    member = make_person(political_status="party_member")
    need = need_submit(
        person=resident,
        grid=town.liyuan_grid1,
        kind=Need.Kind.GOODS,
        category=NeedCategory.objects.first(),
        title="轮椅一辆",
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    need_publish(need=need, by=worker.user)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="JPEG")
    claim = claim_report(
        claim=need_claim(need=need, person=member),
        person=member,
        minutes=40,
        served_on=timezone.localdate(),
        note="送到家里了",
        photo=SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg"),
    )
    return claim, {"resident": resident, "worker": worker, "member": member}


@pytest.mark.parametrize(("who", "status"), [("member", 200), ("resident", 200), ("worker", 200)])
def test_those_concerned_see_the_photo(client, reported, who, status):
    claim, people = reported
    client.force_login(people[who].user)
    response = client.get(reverse("volunteers:claim_photo", args=[claim.pk]))
    assert response.status_code == status
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_stranger_and_other_staff_get_not_found(
    client, reported, make_person, person_with_role, town
):
    claim, _people = reported
    url = reverse("volunteers:claim_photo", args=[claim.pk])
    for person in (make_person(), person_with_role("grid_worker", town.qiaobei_grid1)):
        client.force_login(person.user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_photo_is_not_under_the_public_media_root(reported, settings):
    claim, _people = reported
    assert str(settings.PRIVATE_MEDIA_ROOT) in claim.photo.path
    assert str(settings.MEDIA_ROOT) not in claim.photo.path
