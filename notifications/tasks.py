"""The outbox's Celery tasks: deliver one row (queued by ``notifications.services`` by its
name, ``DELIVER_TASK``), and the periodic sweep of rows whose task never ran."""

from celery import shared_task

from notifications.services import DELIVER_TASK, notification_deliver, notifications_redeliver


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_notification_task(notification_id: int) -> None:
    notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.redeliver_pending", ignore_result=True)
def redeliver_pending_task() -> None:
    notifications_redeliver()
