"""The points card at the top of 我的 (``volunteers.views.me``).

volunteers does not import points, so /me/ asks the layers above for its panels through
the ``construct_me_page_panels`` hook (as the admin's person page asks through
``construct_person_page_panels``); points answers with this card: this month's points,
all-time points and balance, service hours, star level and progress, and the place in
the person's community, each linking to the page that explains it.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from wagtail.admin.ui.components import Component

from points.models import Measure
from points.periods import PeriodKind, period_label
from points.selectors.me import MyFigures, my_figures
from volunteers.models import Person


class MyPointsCard(Component):
    template_name = "points/me_card.html"

    def __init__(self, person: Person) -> None:
        self.person = person

    def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
        figures: MyFigures = my_figures(self.person)
        query = {
            "period": PeriodKind.MONTH,
            "measure": Measure.POINTS,
            "population": figures.population,
        }
        if figures.community is not None:
            query = {"org": figures.community.pk, **query}
        return {
            "figures": figures,
            "month_label": period_label(figures.month),
            "star_marks": "★" * figures.star.level,
            "my_points_url": reverse("points:my_points"),
            "rankings_url": f"{reverse('points:rankings')}?{urlencode(query)}",
        }


def add_me_card(request: HttpRequest, person: Person | None, panels: list[Any]) -> None:
    if person is not None:
        panels.append(MyPointsCard(person))
