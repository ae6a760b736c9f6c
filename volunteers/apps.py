from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("志愿者与组织")

    def ready(self):
        # The project-wide gettext memo (config/i18n.py): installed once, by the first app.
        from config import i18n

        i18n.install()
