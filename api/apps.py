from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """/api/v1/: the open API for the WeChat mini-program and the town's other systems."""

    name = "api"
    verbose_name = _("开放接口")
    default_auto_field = "django.db.models.BigAutoField"
