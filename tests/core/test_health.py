"""/health/ answers per part with 200 or 503; /metrics is Prometheus text for the scraper only."""

import socket
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db.utils import OperationalError
from django.utils import timezone

from core import health
from core.models import Heartbeat
from core.services import record_heartbeat
from issues.tasks import FOLLOW_UP_HEARTBEAT, follow_up_task
from tests.celery_broker import use_broker
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scraper-token"  # noqa: S105


@pytest.fixture
def alive():
    """Beat and a worker have just run, and so has the follow-up queue."""
    record_heartbeat(name="worker")
    record_heartbeat(name=FOLLOW_UP_HEARTBEAT)


def parts(response) -> dict:
    return {name: part["status"] for name, part in response.json()["parts"].items()}


def test_all_parts_fine_answers_200_in_a_few_queries(client, alive, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert parts(response) == dict.fromkeys(
        ["database", "cache", "broker", "worker", "outbox", "follow_up"], "ok")
    assert response.json()["parts"]["outbox"] == {
        "status": "ok", "required": False, "pending": 0, "failed": 0,
        "seconds": response.json()["parts"]["outbox"]["seconds"]}
    assert "no-store" in response["Cache-Control"]


def test_a_worker_never_seen_or_silent_answers_503(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["parts"]["worker"] == {
        "status": "error", "required": True, "last_seen": None,
        "seconds": response.json()["parts"]["worker"]["seconds"]}
    Heartbeat.objects.create(name="worker", last_seen=timezone.now() - timedelta(minutes=3))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["parts"]["worker"]["age_seconds"] >= 180


def test_failed_outbox_rows_are_a_warning_not_a_503(client, alive):
    NotificationFactory.create_batch(2)
    NotificationFactory(status="failed")
    NotificationFactory(status="sent")
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    outbox = response.json()["parts"]["outbox"]
    assert (outbox["status"], outbox["pending"], outbox["failed"]) == ("warn", 2, 1)


def test_a_late_follow_up_queue_is_a_warning(client):
    record_heartbeat(name="worker")
    Heartbeat.objects.create(name=FOLLOW_UP_HEARTBEAT,
                             last_seen=timezone.now() - timedelta(hours=2))
    response = client.get("/health/")
    assert response.status_code == 200
    assert parts(response)["follow_up"] == "warn"


def test_the_follow_up_task_records_its_run(client):
    record_heartbeat(name="worker")
    follow_up_task()
    assert Heartbeat.objects.filter(name=FOLLOW_UP_HEARTBEAT).exists()
    assert parts(client.get("/health/"))["follow_up"] == "ok"


def test_a_database_that_does_not_answer_answers_503(client, alive, monkeypatch):
    def refused():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(health.connection, "cursor", refused)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["parts"]["database"]["error"] == "OperationalError"
    assert "could not connect" not in response.content.decode()  # the class only, in public


def test_a_cache_that_does_not_answer_answers_503(client, alive, monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis")

    monkeypatch.setattr(cache, "set", refused)
    response = client.get("/health/")
    assert response.status_code == 503
    assert parts(response)["cache"] == "error"


def test_a_dead_broker_answers_503_quickly(client, alive):
    with use_broker(f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        response = client.get("/health/")
        assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert parts(response)["broker"] == "error"


def closed_port() -> int:
    """A port on which nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_load_balancer_can_ask_for_the_database_alone(client):
    """No heartbeat at all: the full answer is 503, the database alone is fine."""
    response = client.get("/health/", {"parts": "database"})
    assert response.status_code == 200
    assert parts(response) == {"database": "ok"}
    assert client.get("/health/", {"parts": "database,worker"}).status_code == 503


def test_an_unknown_part_is_refused(client):
    response = client.get("/health/", {"parts": "database,disk"})
    assert response.status_code == 400
    assert response.json()["unknown"] == ["disk"]


# --- /metrics ---------------------------------------------------------------------------


def test_metrics_are_hidden_without_the_token(client, settings, admin_user):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    client.force_login(admin_user)  # being signed in is not enough
    assert client.get("/metrics").status_code == 404


def test_metrics_give_latencies_outbox_counts_and_the_follow_up_run(client, settings, alive):
    settings.METRICS_TOKEN = TOKEN
    NotificationFactory(status="failed")
    client.get("/")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="home"}' \
        in text
    assert "huzhou_outbox_pending_rows 0.0" in text
    assert "huzhou_outbox_failed_rows 1.0" in text
    assert "huzhou_follow_up_last_run_timestamp_seconds " in text
    assert "huzhou_worker_last_heartbeat_age_seconds " in text
    assert 'huzhou_health_part_ok{part="database"} 1.0' in text
    assert 'huzhou_health_part_ok{part="outbox"} 0.0' in text
