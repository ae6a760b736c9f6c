from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与时长")

    def ready(self):
        # Ranking rows follow a person's organisations, and volunteers' one way up
        # (volunteers.signals): a finalised attendance is awarded, a withdrawn one reversed.
        from points import signals  # noqa: F401 -- connects its receivers

        # The audit log (volunteers) shows points' codes in its details by their names.
        from points.models import Category, Objection
        from volunteers.audit_log import register_detail_choices

        register_detail_choices("category", Category.choices)
        register_detail_choices("outcome", Objection.Status.choices)
