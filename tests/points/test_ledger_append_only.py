"""No path changes or removes a ledger line: model, queryset, admin, and (on PostgreSQL) SQL."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from points.models import AppendOnlyError, Kind, PointsEntry
from points.services import points_award_for_attendance


@pytest.fixture
def entry(past_activity, attend, volunteer):
    return points_award_for_attendance(attendance=attend(past_activity(), volunteer)).entry


def test_saving_an_existing_entry_is_refused(entry):
    entry.amount = 100
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert PointsEntry.objects.get(pk=entry.pk).amount == 2


def test_saving_with_update_fields_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["amount"])


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert PointsEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry):
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.filter(pk=entry.pk).update(amount=100)
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        PointsEntry.objects.bulk_update([entry], ["amount"])
    assert PointsEntry.objects.get(pk=entry.pk).amount == 2


def test_a_reversal_must_name_what_it_reverses(entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            person=entry.person,
            amount=-2,
            kind=Kind.REVERSAL,
            category=entry.category,
            idempotency_key="reversal:nothing",
            occurred_at=timezone.now(),
        )


def test_an_idempotency_key_is_used_once(entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            person=entry.person,
            amount=5,
            kind=Kind.SERVICE,
            category=entry.category,
            idempotency_key=entry.idempotency_key,
            occurred_at=timezone.now(),
        )


def test_django_admin_shows_the_ledger_read_only(client, django_user_model, entry):
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    listing = client.get("/django-admin/points/pointsentry/")
    assert listing.status_code == 200
    assert entry.idempotency_key in listing.content.decode()
    change_url = f"/django-admin/points/pointsentry/{entry.pk}/change/"
    assert client.post(change_url, {"amount": 100}).status_code == 403
    delete_url = f"/django-admin/points/pointsentry/{entry.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get("/django-admin/points/pointsentry/add/").status_code == 403
    assert PointsEntry.objects.get(pk=entry.pk).amount == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE points_pointsentry SET amount = 100 WHERE id = %s",
        "DELETE FROM points_pointsentry WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_entry_on_postgresql(entry, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert PointsEntry.objects.get(pk=entry.pk).amount == 2
