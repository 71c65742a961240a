"""Redis down (cache and broker): every form still works and nothing is lost (issue 15,
defect 1: submission and log-in answered 500 and the submission was lost).

No Redis is needed: the cache is Django's own RedisCache and the broker Celery's Redis
transport, both pointed at a local port where nothing listens, so every call to them fails
as it does with Redis stopped (redis's ConnectionError, "Connection refused"). The rate
limits let the attempt through with a warning; the writes commit; queueing a notification's
delivery fails quietly and the row waits in the outbox for the redelivery sweep.
"""

import logging
import socket

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from entrepreneurs.models import Entrepreneur
from issues.models import Issue
from notifications.models import Notification
from tests.celery_broker import use_broker
from tests.entrepreneurs.test_signup import form_data, sign_up
from tests.factories import RegionFactory, UserFactory
from tests.helpers import PASSWORD, fresh, log_in
from tests.issues.screens import NEW_URL, S, detail_url, post_action, submitted
from tests.worlds import issue_screens_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PENDING = Notification.Status.PENDING


def closed_port() -> int:
    """A local port nobody listens on (taken from the system, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings, caplog):
    """The cache and the broker on a Redis that is not there; returns the warnings logged
    by the rate limits and the outbox."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    with pytest.raises(RedisConnectionError):
        cache.get("anything")  # the cache really is down
    caplog.set_level(logging.WARNING)
    with use_broker(url):
        yield lambda logger: [r.getMessage() for r in caplog.records if r.name == logger]


@pytest.fixture
def world():
    return issue_screens_world()


def test_an_issue_is_submitted_and_its_notifications_wait(client, world, redis_down,
                                                         django_capture_on_commit_callbacks):
    client.force_login(world.users["entrepreneur"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(NEW_URL, {"title": "扩建用地指标", "category": world.category.pk,
                                         "description": "厂房扩建需要新增用地指标。"})
    issue = Issue.objects.get()
    assert response.status_code == 302 and response.url == detail_url(issue)
    assert issue.title == "扩建用地指标" and issue.status == S.SUBMITTED
    rows = Notification.objects.filter(key__startswith=f"issue:{issue.pk}:")
    assert rows.exists() and set(rows.values_list("status", flat=True)) == {PENDING}
    assert len(queued) == rows.count()
    assert any("'issue_submission' not counted" in m for m in redis_down("core.ratelimits"))
    assert len(redis_down("notifications.services")) == rows.count()  # "left for redelivery"


def test_a_workflow_action_is_done_and_its_notifications_wait(client, world, redis_down,
                                                             django_capture_on_commit_callbacks):
    issue = submitted(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(client, world.users["coordinator"], issue, "dispatch",
                               {"lead_department": world.departments["economy"].pk})
    assert response.status_code == 302
    assert fresh(issue).status == S.DISPATCHED
    assert Notification.objects.filter(key__contains="dispatch", status=PENDING).exists()


def test_log_in_works(client, redis_down):
    """Sessions are in the database, so logging in needs no cache."""
    user = UserFactory(username="qian")
    response = log_in(client, "qian")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("home")).status_code == 200
    assert any("'login' not counted" in m for m in redis_down("core.ratelimits"))


def test_the_admin_log_in_works(client, redis_down):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD,
                                              "next": reverse("admin:index")})
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_lock_out_still_holds(client, redis_down, settings):
    """It counts in the database (django-axes), not in the cache."""
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="qian")
    for _ in range(3):
        log_in(client, "qian", "guess")
    assert log_in(client, "qian").status_code == 429


def test_sign_up_works(client, redis_down, django_capture_on_commit_callbacks):
    region = RegionFactory(code="wuxing", name="吴兴区", name_en="Wuxing")
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, form_data(region))
    assert response.status_code == 302
    person = Entrepreneur.objects.get(name="周明")
    assert person.verification == Entrepreneur.Verification.PENDING
    assert client.session["_auth_user_id"] == str(person.user_id)
    assert any("'signup' not counted" in m for m in redis_down("core.ratelimits"))


def test_a_password_reset_is_sent(client, redis_down):
    UserFactory(username="qian", email="qian@example.com")
    response = client.post(reverse("password_reset"), {"email": "qian@example.com"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert [message.to for message in mail.outbox] == [["qian@example.com"]]
    assert any("'password_reset' not counted" in m for m in redis_down("core.ratelimits"))


@pytest.mark.parametrize("role", ["entrepreneur", "handler", "coordinator", "leader", "admin"])
def test_the_pages_of_each_role_answer(client, world, redis_down, role):
    issue = submitted(world)
    client.force_login(world.users[role])
    urls = [reverse("home"), reverse("issues:list"), reverse("public_figures"),
            reverse("notifications:inbox") if role != "admin" else reverse("admin:index")]
    if role in ("entrepreneur", "coordinator", "admin"):
        urls.append(detail_url(issue))
    for url in urls:
        assert client.get(url).status_code == 200, url
