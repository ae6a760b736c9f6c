from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("积分与时长")

    def ready(self):
        from . import signals  # noqa: F401 -- ranking rows follow a person's organisations
