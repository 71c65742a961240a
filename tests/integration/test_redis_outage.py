"""Redis stops in the middle of a working day: nothing anyone does is lost or doubled.

A redis-server of the test's own (never the machine's shared Redis) is both the cache (the
rate limits count in it) and the Celery broker of this process. The test stops it, then,
while it is down, people log in (at the site and the admin), sign up, ask for a password
reset, submit an issue and move it along the workflow (dispatch, accept, answer): every
request answers as usual, promptly, and every write is stored; the rate limits and the
outbox log why they did less. Redis is started again on the same port (having saved
nothing, it has forgotten the queued tasks, as a crashed broker would); the rate limits
count again, and the redelivery sweep sends every notification exactly once (emails to
Django's in-memory outbox, SMS to a counting backend).

``THROWAWAY_REDIS_PORT`` chooses the port (default: a free one).
"""

import logging
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse

from entrepreneurs.models import Entrepreneur
from issues import workflow
from issues.models import Issue
from notifications.models import Notification
from notifications.services import notification_deliver, notifications_redeliver
from tests.celery_broker import use_broker
from tests.entrepreneurs.test_signup import form_data, sign_up
from tests.factories import RegionFactory
from tests.helpers import PASSWORD, log_in
from tests.integration.test_broker_outage import broker  # noqa: F401 - the fixture
from tests.issues.screens import NEW_URL, S, detail_url, post_action
from tests.worlds import issue_screens_world

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

#: A request made while Redis is down may take no longer than this (the cache's socket
#: timeouts, a broker connection refused and one quick retry per notification).
REQUEST_SECONDS = 5


class CountingSMS:
    """The SMS backend for this test: remembers each (mobile, text) it was given."""

    sent: Counter = Counter()

    def send(self, *, mobile: str, text: str, key: str) -> None:
        CountingSMS.sent[(mobile, text)] += 1


@pytest.fixture
def on_throwaway_redis(request, settings):
    """This process's cache and broker on a throwaway Redis (``test_broker_outage.broker``:
    skipped, or failed under CI, without redis-server), set up as in production."""
    throwaway_redis = request.getfixturevalue("broker")
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": throwaway_redis.url, "KEY_PREFIX": "huzhou_talks",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    settings.SMS_BACKEND = f"{__name__}.CountingSMS"
    CountingSMS.sent = Counter()
    with use_broker(throwaway_redis.url, {"visibility_timeout": 3600}):
        yield throwaway_redis


def redis_keys(server) -> int:
    return redis.Redis.from_url(server.url).dbsize()


def timed(took: list, request, *args, **kwargs):
    started = time.monotonic()
    response = request(*args, **kwargs)
    took.append(time.monotonic() - started)
    return response


def test_with_redis_down_every_form_works_and_every_notification_goes_out_once(
        on_throwaway_redis, caplog):
    server = on_throwaway_redis
    world = issue_screens_world()
    wuxing = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")
    coordinator = world.users["coordinator"]

    # Redis up: the log-in limit counts in it, and an issue's deliveries are queued in it
    # (no worker takes them: they are lost with Redis, as in a crash, and swept later).
    assert log_in(Client(), world.users["handler"].username).status_code == 302
    assert redis_keys(server) > 0
    earlier = workflow.issue_submit(actor=world.stranger.user, title="电力增容",
                                    description="新车间需要增容。", category=world.category)
    assert redis.Redis.from_url(server.url).llen("celery") == Notification.objects.filter(
        key__startswith=f"issue:{earlier.pk}:").count() > 0

    server.stop()
    assert not server.answers()

    took = []
    people, admin, newcomer, forgetful = Client(), Client(), Client(), Client()
    with caplog.at_level(logging.WARNING):
        # Logging in, at the site and at the admin.
        response = timed(took, log_in, people, world.users["entrepreneur"].username)
        assert response.status_code == 302
        assert people.session["_auth_user_id"] == str(world.users["entrepreneur"].pk)
        response = timed(took, admin.post, "/admin/login/", {
            "username": world.users["admin"].username, "password": PASSWORD,
            "next": reverse("admin:index")})
        assert response.status_code == 302 and response.url == reverse("admin:index")
        assert admin.get(reverse("admin:index")).status_code == 200

        # Submitting an issue.
        response = timed(took, people.post, NEW_URL, {
            "title": "扩建用地指标", "description": "厂房扩建需要新增用地指标。",
            "category": world.category.pk})
        issue = Issue.objects.get(title="扩建用地指标")
        assert response.status_code == 302 and response.url == detail_url(issue)
        assert people.get(detail_url(issue)).status_code == 200

        # Signing up, and asking for a password reset.
        response = timed(took, sign_up, newcomer, form_data(wuxing))
        assert response.status_code == 302
        assert Entrepreneur.objects.filter(name="周明", enterprise__region=wuxing).exists()
        response = timed(took, forgetful.post, reverse("password_reset"),
                         {"email": world.person.user.email})
        assert response.status_code == 302

        # The workflow: dispatched, accepted and answered (the answer goes out by SMS too).
        for user, action, data in [
            (coordinator, "dispatch", {"lead_department": world.departments["economy"].pk}),
            (world.users["handler"], "accept", {}),
            (world.users["handler"], "resolve", {"reply": "已协调新增用地指标十亩。"}),
        ]:
            response = timed(took, post_action, Client(), user, issue, action, data)
            assert response.status_code == 302, action
        issue.refresh_from_db()
        assert issue.status == S.RESOLVED

    print(f"requests with Redis down took {', '.join(f'{t:.2f}s' for t in took)}")
    assert max(took) < REQUEST_SECONDS, took
    warnings = Counter(r.name for r in caplog.records if r.levelno == logging.WARNING)
    assert warnings["core.ratelimits"] == 5  # two log-ins, a submission, a sign-up, a reset
    rows = Notification.objects.all()
    waiting = rows.filter(status=Notification.Status.PENDING, attempts=0)
    assert rows.count() == waiting.count()
    assert warnings["notifications.services"] == waiting.exclude(
        key__startswith=f"issue:{earlier.pk}:").count() > 0
    assert rows.filter(channel=Notification.Channel.SMS).exists()
    assert rows.filter(channel=Notification.Channel.EMAIL).exists()

    server.start()  # the same port; the queued tasks are gone with the old process

    # The limits count again.
    before = redis_keys(server)
    assert log_in(Client(), world.users["lead"].username).status_code == 302
    assert redis_keys(server) > before

    # The sweep takes rows pending for over a minute: make them so, as after a long outage.
    reset_mails = len(mail.outbox)  # the password reset is mailed by the request itself
    rows.update(created_at=F("created_at") - timedelta(minutes=2))
    assert notifications_redeliver() == rows.count()
    assert notifications_redeliver() == 0  # beat fires again: nothing twice
    assert notification_deliver(notification_id=rows.first().pk) is False  # a stray task

    assert set(rows.values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    emails = rows.filter(channel=Notification.Channel.EMAIL)
    sent_mails = Counter((m.to[0], m.subject) for m in mail.outbox[reset_mails:])
    assert sent_mails == Counter(emails.values_list("address", "subject"))
    sms = rows.filter(channel=Notification.Channel.SMS)
    assert CountingSMS.sent == Counter(
        (row.address, f"{row.subject} {row.body}".strip()) for row in sms)
