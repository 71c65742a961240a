"""PostgreSQL becomes unreachable under a running site, then comes back.

gunicorn (DEBUG off, persistent connections with health checks, as in production) reaches
the test's PostgreSQL database through a small TCP proxy run by this test. Cutting the proxy
(the listening socket and every open connection) is a database outage for the site: each
page answers the plain 503 page in the reader's language, fast, with ``Retry-After``, and
``/health/`` says which part failed. Opening the proxy again, the very next request is served
normally: nobody restarts anything.
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection
from django.test import Client

from demo.seed import seed_reference_data
from tests.factories import EntrepreneurFactory
from tests.services import (
    REDIS_TEST_URL,
    database_url_for_subprocess,
    port_open,
    stop_process,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The proxy listens on the first free port of these (kept apart from other test runs).
PROXY_PORTS = range(6440, 6450)
#: A page met by the outage must answer within this many seconds (never hang).
OUTAGE_SECONDS = 10


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``upstream``; ``stop`` cuts every connection at once."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = self._free_port()
        self.listener = None
        self.open = set()
        self.lock = threading.Lock()

    @staticmethod
    def _free_port() -> int:
        for port in PROXY_PORTS:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        pytest.fail(f"no free port for the database proxy in {PROXY_PORTS}")

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: the outage begins
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.open.update({client, server})
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, target)

    def _close(self, *sockets) -> None:
        with self.lock:
            for sock in sockets:
                self.open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def stop(self) -> None:
        """Close the listener (new connections are refused) and every open connection."""
        if self.listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            sockets = list(self.open)
        self._close(*sockets)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy():
    if connection.vendor != "postgresql":
        pytest.skip("needs the test database on PostgreSQL (.ci/run's second pass: "
                    "DATABASE_URL=postgres://…); SQLite cannot be cut off from the site")
    settings = connection.settings_dict
    server = TcpProxy((settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def site(proxy, tmp_path):
    """gunicorn with DEBUG off, its DATABASE_URL pointing at the proxy."""
    database_url = urlparse(database_url_for_subprocess())
    through_proxy = database_url._replace(
        netloc=f"{database_url.netloc.rpartition('@')[0]}@127.0.0.1:{proxy.port}")
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "REDIS_URL", "CELERY_BROKER_URL", "CI"}}
    env.update({
        "DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": urlunparse(through_proxy),
        "CONN_MAX_AGE": "60", "DATABASE_CONNECT_TIMEOUT": "3",
        "STATIC_ROOT": str(tmp_path / "static"), "CELERY_BROKER_URL": "memory://",
    })
    redis_url = os.environ.get("REDIS_URL") or REDIS_TEST_URL
    if port_open(redis_url, 6379):  # production settings may require a shared cache
        env["REDIS_URL"] = redis_url
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "huzhou_talks.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "30"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while get(f"{base}/health/?parts=database")[0] != 200:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            stop_process(process)


def get(url: str, *, language: str = "zh-hans", session: str = ""):
    headers = {"Accept-Language": language}
    if session:
        headers["Cookie"] = f"sessionid={session}"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=OUTAGE_SECONDS + 5)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
    except OSError:
        return None, {}, ""
    return response.status, response.headers, response.read().decode()


def test_an_unreachable_database_gives_the_503_page_and_the_site_recovers_by_itself(
        proxy, site):
    seed_reference_data()
    signed_in = Client()
    signed_in.force_login(EntrepreneurFactory(with_user=True).user)
    session = signed_in.cookies["sessionid"].value
    status, _, page = get(f"{site}/")
    assert status == 200
    assert "亲清直通车·政企恳谈会" in page
    assert get(f"{site}/", session=session)[0] == 200

    proxy.stop()
    for language, text in (("zh-hans", "服务暂时不可用"),
                           ("en", "The service is temporarily unavailable")):
        started = time.monotonic()
        status, headers, page = get(f"{site}/", language=language)
        assert time.monotonic() - started < OUTAGE_SECONDS
        assert status == 503, page[:500]
        assert text in page
        assert headers["Retry-After"] == "30"
        assert "Traceback" not in page
    # A signed-in visitor: the session lookup, the first query of the request, fails.
    status, _, page = get(f"{site}/issues/", session=session)
    assert status == 503
    assert "服务暂时不可用" in page
    status, _, body = get(f"{site}/health/")
    assert status == 503
    assert '"database": {"status": "error"' in body

    proxy.start()
    status, _, page = get(f"{site}/")
    assert status == 200, page[:500]
    assert "亲清直通车·政企恳谈会" in page
    assert get(f"{site}/issues/", session=session)[0] == 200
    assert get(f"{site}/health/?parts=database")[0] == 200
