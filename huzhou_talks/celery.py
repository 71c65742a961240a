"""The Celery application. Tasks live in each app's ``tasks.py``; every one of them is a
``core.task_base.DatabaseRetryTask``, retried with backoff while the database is down."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huzhou_talks.settings")

app = Celery("huzhou_talks", task_cls="core.task_base:DatabaseRetryTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
