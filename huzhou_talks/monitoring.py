"""What ``/health/`` and ``/metrics`` probe: the parts of the system, by name.

Only the project knows every app, so the list lives here (``core.health`` knows no app).
Which parts make ``/health/`` answer 503 is ``settings.HEALTH_REQUIRED``.
"""

from django.conf import settings

from core.health import ERROR, OK, WARN, Part, broker, cache_part, database, heartbeat
from issues.tasks import FOLLOW_UP_HEARTBEAT
from notifications.models import Notification
from notifications.selectors import outbox_counts


def outbox() -> Part:
    """Pending and failed outbox rows: failed ones are a warning (an administrator retries
    them from the admin), never a reason to take the site out of service."""
    counts = outbox_counts(statuses=(Notification.Status.PENDING, Notification.Status.FAILED))
    return Part(WARN if counts["failed"] else OK, counts,
                {"outbox_pending_rows": counts["pending"], "outbox_failed_rows": counts["failed"]})


PROBES = {
    "database": database,
    "cache": cache_part,
    "broker": broker,
    "worker": heartbeat("worker", max_age=lambda: settings.HEALTH_HEARTBEAT_MAX_AGE,
                        late=ERROR, metric="worker_last_heartbeat"),
    "outbox": outbox,
    "follow_up": heartbeat(FOLLOW_UP_HEARTBEAT,
                           max_age=lambda: settings.HEALTH_FOLLOW_UP_MAX_AGE,
                           late=WARN, metric="follow_up_last_run"),
}
