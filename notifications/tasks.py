from celery import shared_task

from notifications.services import notification_deliver, notifications_redeliver


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_notification_task(notification_id: int) -> None:
    notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.redeliver_pending", ignore_result=True)
def redeliver_pending_task() -> None:
    notifications_redeliver()
