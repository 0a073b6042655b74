"""Celery application. Without a broker, tasks run inline (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansou.settings.local")

app = Celery("bansou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
