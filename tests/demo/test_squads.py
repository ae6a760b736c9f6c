"""Every squad of the demo serves: none of the eight shows 0 小时 on 志愿服务队."""

from django.utils import timezone

from cms.selectors import squads_figures
from demo import town as demo
from points.models import PointsEntry
from volunteers.models import Activity, Attendance, Organisation
from volunteers.services.closing import checkout_grace


def test_every_squad_has_finished_activities_with_service_hours():
    over = timezone.now() - checkout_grace()
    figures = {f.organisation.code: f for f in squads_figures()}

    assert set(figures) == {demo.squad_code(c.slug) for c in demo.COMMUNITIES}
    for code, squad in figures.items():
        node = Organisation.objects.get(code=code)
        finished = Activity.objects.filter(
            organisation__path__startswith=node.path, finished_at__isnull=False, ends_at__lt=over
        )
        served = Attendance.objects.filter(activity__in=finished, minutes_served__gt=0)
        assert finished.count() >= 2, code
        assert served.exists(), code
        # What 志愿服务队 shows: hours, rounded, above zero.
        assert squad.minutes > 0 and squad.hours > 0, (code, squad.minutes)
        # The service was credited through the ledger, as any attendance is.
        assert PointsEntry.objects.filter(attendance__in=served).exists(), code
