from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo town: everything ``seed_demo`` needs, above every other app."""

    name = "demo"
    verbose_name = "演示数据"
