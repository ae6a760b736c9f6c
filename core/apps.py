from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every part shares and no part owns; imports nothing of the apps above it."""

    name = "core"
    verbose_name = "基础"
