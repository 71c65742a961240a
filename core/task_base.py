"""The base class of every Celery task of the project (``task_cls`` of the Celery app).

A task that meets a database outage (a refused or lost connection) is not lost: it is
queued again, each time after a random wait of up to 2, 4, 8 … seconds (never more than five
minutes), ``max_retries`` times: up to about half an hour in all. The worker closes the
broken connection after each task (Celery's Django fix-up), so the retry connects afresh.
A task may still name its own ``autoretry_for``; its options win over these.
"""

from celery import Task
from django.db.utils import InterfaceError, OperationalError


class DatabaseRetryTask(Task):
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 12
