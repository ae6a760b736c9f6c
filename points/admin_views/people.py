"""The points section of the admin's person page (``volunteers.admin_views.people``).

volunteers does not import points, so the person page asks the layers above for its
sections through the ``construct_person_page_panels`` hook; points answers with this
panel: the all-time points, usable balance and service hours, and the certificates.
"""

from typing import Any

from django.http import HttpRequest
from wagtail.admin.ui.components import Component

from points.models import Certificate, PersonTotal
from points.periods import ALL_TIME
from points.selectors.tables import hours
from volunteers.models import Person


class PersonPointsPanel(Component):
    template_name = "points/admin/person_points_panel.html"

    def __init__(self, person: Person) -> None:
        self.person = person

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        total = PersonTotal.objects.filter(person=self.person, period=ALL_TIME).first()
        return {
            "points": total.points if total else 0,
            "balance": total.balance if total else 0,
            "hours": hours(total.minutes if total else 0),
            "certificates": Certificate.objects.filter(person=self.person).select_related(
                "issuing_organisation"
            )[:20],
        }


def add_points_panel(request: HttpRequest, person: Person, panels: list[Any]) -> None:
    panels.append(PersonPointsPanel(person))
