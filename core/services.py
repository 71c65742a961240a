from datetime import timedelta

from django.utils import timezone

from core.models import Heartbeat

#: A heartbeat older than this means beat or the worker has stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)


def record_heartbeat(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


def background_status(*, name: str = "worker") -> dict:
    """When the background worker last ran a beat-scheduled task, and whether that is recent."""
    heartbeat = Heartbeat.objects.filter(name=name).first()
    if heartbeat is None:
        return {"last_seen": None, "healthy": False}
    healthy = timezone.now() - heartbeat.last_seen < HEARTBEAT_STALE_AFTER
    return {"last_seen": heartbeat.last_seen, "healthy": healthy}
