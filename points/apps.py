from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与时长")

    def ready(self):
        # Ranking rows follow a person's organisations, and volunteers' one way up
        # (volunteers.signals): a finalised attendance is awarded, a withdrawn one reversed.
        from points import signals  # noqa: F401 -- connects its receivers
