"""Celery tasks of the dashboard: the nightly recount of the rollup rows."""

import logging

from celery import shared_task

from dashboard.rollups import rebuild

logger = logging.getLogger(__name__)


@shared_task(name="dashboard.rebuild_rollups", ignore_result=True)
def rebuild_rollups_task() -> int:
    """Recount the rollup rows from the issues (after a calendar correction, and nightly
    after the due dates are recomputed, which writes without saving each issue)."""
    return rebuild()


def queue_rebuild() -> None:
    try:
        rebuild_rollups_task.delay()
    except Exception:  # the broker is down: the nightly run recounts
        logger.warning("Broker unavailable; the rollup recount is left to the nightly run")
