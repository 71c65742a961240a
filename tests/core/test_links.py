"""Links that leave the browser (emails, SMS, calendar feeds) use the address the site runs
on: SITE_URL, which `make run` sets from HOST and PORT (issue 16: they said port 8000
whatever `make run PORT=…` said)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify_person
from sessions.services import calendar_feed_for_user
from tests.factories import EntrepreneurFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
DEMO = "http://127.0.0.1:9000"
ADDRESS_VARIABLES = {"SITE_URL", "HOST", "PORT", "DJANGO_SETTINGS_MODULE"}


def site_url_read(**variables: str) -> str:
    """SITE_URL as the settings read it in a fresh process with only ``variables`` set."""
    env = {k: v for k, v in os.environ.items() if k not in ADDRESS_VARIABLES}
    env.update({"DEBUG": "true", **variables})
    result = subprocess.run(
        [sys.executable, "-c", "import huzhou_talks.settings as s; print(s.SITE_URL)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_unset_it_is_the_address_the_server_was_started_on():
    assert site_url_read() == "http://127.0.0.1:8000"
    assert site_url_read(PORT="9000") == DEMO
    assert site_url_read(HOST="192.168.1.20", PORT="9000") == "http://192.168.1.20:9000"
    assert site_url_read(SITE_URL="https://talks.huzhou.example", PORT="9000") == (
        "https://talks.huzhou.example")


def test_make_run_passes_the_port_to_the_links():
    env = {k: v for k, v in os.environ.items() if k not in ADDRESS_VARIABLES}
    result = subprocess.run(["make", "-n", "run", "PORT=9000"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "honcho" in line]
    assert commands and all(f"SITE_URL={DEMO}" in line for line in commands)


@pytest.mark.django_db
def test_an_sms_and_an_email_link_use_port_9000(settings):
    settings.SITE_URL = DEMO
    notify_person(key="test:port", subject="邀请", body="请报名。", path="/sessions/7/",
                  sms_path="/s/7", user=UserFactory(), email="a@example.com",
                  mobile="13812345678")
    rows = {row.channel: row.body for row in Notification.objects.all()}
    assert rows["sms"].endswith(f" {DEMO}/s/7")
    assert rows["email"].endswith(f"\n\n{DEMO}/sessions/7/")


@pytest.mark.django_db
def test_the_calendar_feed_address_uses_port_9000(client, settings):
    settings.SITE_URL = DEMO
    person = EntrepreneurFactory(with_user=True)
    client.force_login(person.user)
    feed = calendar_feed_for_user(user=person.user)
    path = reverse("sessions:feed", args=[feed.token])

    page = client.get(reverse("sessions:calendar_feed")).content.decode()

    assert f"{DEMO}{path}" in page
    assert f'href="webcal://127.0.0.1:9000{path}"' in page


@pytest.mark.django_db
def test_the_password_reset_email_uses_port_9000_whatever_host_the_request_named(client,
                                                                                 settings):
    settings.SITE_URL = DEMO
    UserFactory(email="qian@example.com")
    client.post(reverse("password_reset"), {"email": "qian@example.com"},
                HTTP_HOST="localhost")
    [message] = mail.outbox
    link = re.search(r"\S+/accounts/reset/\S+/", message.body).group(0)
    assert link.startswith(f"{DEMO}/accounts/reset/")
