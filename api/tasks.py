"""Celery tasks of the API: the nightly purge of the idempotency keys past their day."""

from celery import shared_task

from api.idempotency import idempotent_requests_purge


@shared_task(name="api.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys_task() -> int:
    """Forget the first answers to submissions older than a day (``api.idempotency.KEEP``):
    a client retries within minutes, never a day later."""
    return idempotent_requests_purge()
