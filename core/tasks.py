from celery import shared_task

from core.services import record_heartbeat


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat_task(name: str = "worker") -> None:
    record_heartbeat(name=name)
