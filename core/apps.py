from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every part shares and no part owns; imports nothing of the apps above it."""

    name = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # The project-wide gettext memo (core/i18n.py): installed once, by the first app.
        from core import i18n

        i18n.install()
