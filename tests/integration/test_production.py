"""The production shape: gunicorn with DEBUG off, static files served by WhiteNoise."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from demo.seed import seed_reference_data
from tests.services import database_url_for_subprocess, require_redis, stop_process

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update({
        "DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database_url_for_subprocess(),
        # With DEBUG off the settings refuse to start without the shared cache.
        "REDIS_URL": require_redis(),
        "STATIC_ROOT": str(tmp_path / "static"),
    })
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed in teardown
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "huzhou_talks.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(f"{base}/health/?parts=database", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not start:\n{(tmp_path / 'gunicorn.log').read_text()}")
        yield base
    finally:
        stop_process(process)
        log.close()


def get(url: str):
    try:
        response = urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    return response.status, dict(response.headers), response.read().decode()


def test_gunicorn_serves_the_site_and_its_static_files_with_debug_off(server):
    seed_reference_data()
    status, headers, page = get(f"{server}/")
    assert status == 200
    assert "亲清直通车·政企恳谈会" in page
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"

    # Static files carry a content hash and are cached for a long time.
    stylesheet = re.search(r'href="(/static/vendor/bootstrap/css/bootstrap\.min\.\w+\.css)"', page)
    assert stylesheet, "the page links Bootstrap through the manifest"
    status, headers, css = get(server + stylesheet.group(1))
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "Bootstrap" in css[:500]

    assert get(f"{server}/health/?parts=database")[0] == 200
    status, _headers, body = get(f"{server}/health/")  # no worker runs here
    assert status == 503
    assert '"worker": {"status": "error"' in body


def test_errors_show_the_sites_own_pages_and_no_debug_information(server):
    status, _headers, page = get(f"{server}/no-such-page/")
    assert status == 404
    assert "页面不存在" in page
    assert "Traceback" not in page and "URLconf" not in page
