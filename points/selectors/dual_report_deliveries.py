"""双报到反馈, delivered: which units are due one, their contacts, what each was sent.

Read by the quarterly job (which units to deliver to, whom to tell) and by the page
where secretaries see, quarter by quarter, which units were sent what.
"""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from points.models import DualReportDelivery
from points.selectors.tables import hours
from volunteers.models import Membership, Organisation, Person


def units_with_in_service_members() -> QuerySet[Organisation]:
    """Employer units with in-service party members at or below them: each is due a
    双报到反馈 every quarter (the report counts a unit's whole subtree)."""
    members = Person.objects.filter(
        in_service=True, employer_unit__path__startswith=OuterRef("path")
    )
    return Organisation.objects.filter(Exists(members), kind=Organisation.Kind.UNIT).order_by(
        "path"
    )


def unit_contacts(unit_ids: Collection[int]) -> dict[int, list[Person]]:
    """The current unit contacts (单位联络人) of each unit, by name; one query."""
    contacts: dict[int, list[Person]] = defaultdict(list)
    if not unit_ids:
        return contacts
    memberships = (
        Membership.objects.current()
        .filter(organisation_id__in=unit_ids, role=Membership.Role.CONTACT)
        .select_related("person__user")
        .order_by("person__real_name", "person_id")
    )
    for membership in memberships:
        people = contacts[membership.organisation_id]
        if all(p.pk != membership.person_id for p in people):  # a role held twice
            people.append(membership.person)
    return contacts


@dataclass
class DeliveryRow:
    """One unit in one quarter: its delivery if it was made, and its contacts now."""

    unit: Organisation
    delivery: DualReportDelivery | None
    contacts: list[Person]
    recipients: list[Person] = field(default_factory=list)
    may_download: bool = False

    @property
    def hours(self) -> float:
        return hours(self.delivery.minutes) if self.delivery else 0.0

    @property
    def sent(self) -> bool:
        """Built and told to at least one contact."""
        return bool(self.delivery and self.recipients)


def delivery_rows(
    units: Sequence[Organisation], quarter: str, *, downloadable: Collection[int] = ()
) -> list[DeliveryRow]:
    """Rows for already-fetched units: three queries (deliveries, recipients, contacts)."""
    ids = [u.pk for u in units]
    deliveries = {
        d.unit_id: d
        for d in DualReportDelivery.objects.filter(unit_id__in=ids, quarter=quarter)
        .prefetch_related("recipients")
        .order_by()
    }
    contacts = unit_contacts(ids)
    rows = []
    for unit in units:
        delivery = deliveries.get(unit.pk)
        recipients = (
            sorted(delivery.recipients.all(), key=lambda p: (p.real_name, p.pk)) if delivery else []
        )
        rows.append(
            DeliveryRow(
                unit=unit,
                delivery=delivery,
                contacts=contacts.get(unit.pk, []),
                recipients=recipients,
                may_download=delivery is not None and unit.pk in downloadable,
            )
        )
    return rows
