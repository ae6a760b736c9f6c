"""The Celery app. Broker and results come from REDIS_URL; without it tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shazhou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
