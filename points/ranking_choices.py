"""How a ranking is chosen and read: its periods, measures, populations and tabs, and a
value as people read it ("12分", "3.5小时"). Shared by the ranking pages and the API.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from points.models import Measure, Population
from points.periods import PeriodKind

# Where the person lives, read with them: places are counted from their grid or community.
PERSON_HOME = ("home_grid", "reported_community")

PERIOD_CHOICES = {
    PeriodKind.MONTH: gettext_lazy("本月"),
    PeriodKind.QUARTER: gettext_lazy("本季度"),
    PeriodKind.YEAR: gettext_lazy("本年度"),
    PeriodKind.ALL: gettext_lazy("累计"),
}
MEASURE_CHOICES = {Measure.POINTS: gettext_lazy("积分"), Measure.MINUTES: gettext_lazy("服务时长")}
POPULATION_CHOICES = {
    Population.VOLUNTEERS: gettext_lazy("志愿者"),
    Population.PARTY_MEMBERS: gettext_lazy("党员"),
}
TAB_CHOICES = {
    "people": gettext_lazy("个人排名"),
    "teams": gettext_lazy("队伍总量"),
    "teams_per_head": gettext_lazy("队伍人均"),
}


def show_value(value: int | float | None, measure: str) -> str:
    """“12分”, “3.5小时”."""
    if value is None:
        return "—"
    if measure == Measure.MINUTES:
        return _("%(hours)s小时") % {"hours": f"{value / 60:.1f}".removesuffix(".0")}
    if isinstance(value, float):
        return _("%(points)s分") % {"points": f"{value:.1f}".removesuffix(".0")}
    return _("%(points)d分") % {"points": value}
