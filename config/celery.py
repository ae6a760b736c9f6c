"""The Celery app. Broker and results come from REDIS_URL; without it tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shazhou")
# Every thread's current app, not only the importing one's: jobs queued from a thread (a
# test's concurrent requests, a threaded server) find the same app and its settings.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
