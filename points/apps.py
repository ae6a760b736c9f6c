from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与时长")

    def ready(self):
        # Ranking rows follow a person's organisations, and volunteers' one way up
        # (volunteers.signals): a finalised attendance is awarded, a withdrawn one reversed.
        from points import signals  # noqa: F401 -- connects its receivers

        # The audit log (volunteers) shows points' codes in its details by their names, a
        # quarter as "2026年第3季度", and a rule's or a policy's fields by their names.
        from points.models import Audience, Category, Objection, PointsPolicy, PointsRule
        from points.models.rules import Rounding
        from points.periods import period_label
        from volunteers.audit_log import (
            register_detail_choices,
            register_detail_fields,
            register_detail_formatter,
        )

        register_detail_choices("category", Category.choices)
        register_detail_choices("rubric_category", Category.choices)
        register_detail_choices("audience", Audience.choices)
        register_detail_choices("rounding_mode", Rounding.choices)
        register_detail_choices("outcome", Objection.Status.choices)
        register_detail_formatter("quarter", period_label)
        register_detail_formatter("month", period_label)
        register_detail_fields(PointsRule)
        register_detail_fields(PointsPolicy)

        # The check-out page (volunteers) asks what a closed attendance will bring in points.
        from points.services.awards import attendance_points_preview
        from volunteers.services.credit import register_points_preview

        register_points_preview(attendance_points_preview)
