"""``/health/``: each part of the system answers for itself, as JSON, with 200 or 503.

A probe is a function returning a ``Part``; the project lists its probes by name
(``huzhou_talks/monitoring.py``) and both ``/health/`` and the metrics read them. A probe
never raises: whatever goes wrong becomes an ``error`` part naming only the exception's class
(the page is public; details go to the log). The answer is 503 when a part named in
``settings.HEALTH_REQUIRED`` is in error; a ``warn`` part (failed outbox rows, a late
follow-up run) never is. ``?parts=database,cache`` probes only those parts, and then each of
them decides the status: the form for a load balancer that should take a web process out
only when it cannot serve pages. A few queries in all; the cache and the broker are asked
with short socket timeouts, so a dead Redis cannot hang the page.
"""

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.services import heartbeat_last_seen

logger = logging.getLogger(__name__)

OK, WARN, ERROR = "ok", "warn", "error"


@dataclass
class Part:
    status: str
    detail: dict = field(default_factory=dict)
    #: Gauges for the metrics endpoint, by name (exported as ``huzhou_<name>``).
    metrics: dict[str, float] = field(default_factory=dict)


Probe = Callable[[], Part]


def database() -> Part:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Part(OK)


def cache_part() -> Part:
    """A value written to the cache and read back (under its own short-lived key)."""
    key, token = "health:probe", secrets.token_hex(8)
    cache.set(key, token, 30)
    if cache.get(key) != token:
        return Part(ERROR, {"error": "the value written could not be read back"})
    return Part(OK)


def broker() -> Part:
    """A connection to the broker, one try within ``HEALTH_BROKER_TIMEOUT`` seconds."""
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                               timeout=settings.HEALTH_BROKER_TIMEOUT)
    return Part(OK)


def heartbeat(name: str, *, max_age: Callable[[], int], late: str, metric: str) -> Probe:
    """When ``name``'s heartbeat row was last written: ``late`` (``warn`` or ``error``) once it
    is older than ``max_age()`` seconds or was never written."""

    def probe() -> Part:
        last_seen = heartbeat_last_seen(name=name)
        if last_seen is None:
            return Part(late, {"last_seen": None})
        age = max(0.0, (timezone.now() - last_seen).total_seconds())
        status = OK if age <= max_age() else late
        return Part(status, {"last_seen": last_seen.isoformat(), "age_seconds": int(age)},
                    {f"{metric}_timestamp_seconds": last_seen.timestamp(),
                     f"{metric}_age_seconds": age})

    return probe


def run_probes(probes: dict[str, Probe]) -> dict[str, Part]:
    parts = {}
    for name, probe in probes.items():
        started = time.monotonic()
        try:
            part = probe()
        except Exception as error:  # a probe reports; it never breaks the page
            logger.warning("Health probe %s failed: %r", name, error)
            part = Part(ERROR, {"error": type(error).__name__})
        part.detail["seconds"] = round(time.monotonic() - started, 4)
        parts[name] = part
    return parts


@never_cache
def health_view(request, *, probes: dict[str, Probe]):
    asked = [name.strip() for name in request.GET.get("parts", "").split(",") if name.strip()]
    unknown = sorted(set(asked) - set(probes))
    if unknown:
        return JsonResponse({"error": "unknown parts", "unknown": unknown,
                             "parts": sorted(probes)}, status=400)
    if asked:
        probes, required = {name: probes[name] for name in asked}, set(asked)
    else:
        required = set(settings.HEALTH_REQUIRED)
    parts = run_probes(probes)
    failed = any(part.status == ERROR for name, part in parts.items() if name in required)
    statuses = {part.status for part in parts.values()}
    overall = ERROR if failed else (OK if statuses <= {OK} else WARN)
    return JsonResponse(
        {"status": overall,
         "parts": {name: {"status": part.status, "required": name in required, **part.detail}
                   for name, part in parts.items()}},
        status=503 if failed else 200,
    )
