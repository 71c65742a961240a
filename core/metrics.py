"""The metrics endpoint, in Prometheus' text format, for the operators' scraper only.

Two sources: the request counters and latency histograms of django-prometheus' two
middlewares (by view and method), which live in the serving process's memory; and the
health probes (``core.health``), read fresh at each scrape: whether each part is up, the
outbox's pending and failed rows, the worker's heartbeat and the follow-up queue's last run.

With gunicorn's several worker processes, each keeps its own request metrics and a scrape
sees only the process that answers it, unless ``PROMETHEUS_MULTIPROC_DIR`` names a folder
shared by the workers (prometheus_client's multiprocess mode, see docs/operations.md).

The endpoint answers 404 unless ``METRICS_TOKEN`` is set and the request carries it as
``Authorization: Bearer <token>`` (compared in constant time); it never looks at the session.
"""

import hmac
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core.health import OK, Probe, run_probes

PREFIX = "huzhou_"


def token_given(request) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


class ProbeCollector:
    """The health probes as gauges, probed when collected."""

    def __init__(self, probes: dict[str, Probe]):
        self.probes = probes

    def collect(self):
        parts = run_probes(self.probes)
        up = GaugeMetricFamily(f"{PREFIX}health_part_ok",
                               "1 when the part's health probe answers ok, else 0.",
                               labels=["part"])
        for name, part in parts.items():
            up.add_metric([name], 1.0 if part.status == OK else 0.0)
        yield up
        for part in parts.values():
            for name, value in part.metrics.items():
                yield GaugeMetricFamily(f"{PREFIX}{name}", name.replace("_", " ") + ".",
                                        value=value)


def process_registry():
    """This process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
def metrics_view(request, *, probes: dict[str, Probe]):
    if not token_given(request):
        raise Http404
    probed = CollectorRegistry(auto_describe=False)
    probed.register(ProbeCollector(probes))
    body = generate_latest(process_registry()) + generate_latest(probed)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
