"""Probes for the outside services some tests need.

On a bare machine a test whose service is missing skips with the reason; under
CI=true (set by .ci/run) the same test fails, so CI never passes by skipping.
"""

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: The Redis database the integration tests give their Celery workers and servers, and empty
#: first. Under ``pytest -n`` each worker takes its own, counting down from 15 (gw0: 15, gw1:
#: 14), so two workers' tests never take each other's tasks; the cache counts up from
#: REDIS_URL's (tests/conftest.py).
_REDIS_TEST_BASE, _sep, _REDIS_TEST_DB = os.environ.get(
    "REDIS_TEST_URL", "redis://127.0.0.1:6379/15").rpartition("/")
REDIS_TEST_URL = (f"{_REDIS_TEST_BASE}/"
                  f"{int(_REDIS_TEST_DB) - int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:])}")
POSTGRES_TEST_URL = os.environ.get("POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def require(available: bool, reason: str) -> None:
    """Skip (bare machine) or fail (CI) when a needed service is not available."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port),
                                      timeout=1):
            return True
    except OSError:
        return False


def require_redis() -> str:
    require(port_open(REDIS_TEST_URL, 6379), f"no Redis answers at {REDIS_TEST_URL}")
    return REDIS_TEST_URL


def require_postgres() -> str:
    require(port_open(POSTGRES_TEST_URL, 5432), f"no PostgreSQL answers at {POSTGRES_TEST_URL}")
    return POSTGRES_TEST_URL


def require_chromium() -> str:
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM),
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def database_url_for_subprocess() -> str:
    """The URL under which another process (a worker, a server) reaches this test's database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        return (f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}")
    raise NotImplementedError(db["ENGINE"])


def stop_process(process: subprocess.Popen, *, grace: float = 15) -> None:
    """SIGTERM, wait up to ``grace`` seconds for a clean shutdown, then kill."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


#: .ci/run runs the whole suite twice, on SQLite and then on PostgreSQL with Redis. The
#: crawl and the layout checks read pages in Chromium and do not depend on the database, so
#: .ci/run sets this in its SQLite pass and they run once, in the PostgreSQL pass (a plain
#: ``make test`` runs them).
database_neutral_checks = pytest.mark.skipif(
    os.environ.get("DATABASE_NEUTRAL_CHECKS") == "in-the-other-pass",
    reason="the page crawl and layout checks run in .ci/run's PostgreSQL pass",
)
