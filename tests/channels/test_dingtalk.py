"""DingTalk work notices for officials: an in-app message for an official who switched it on
is mirrored as a DingTalk row in the same transaction, and delivered through a local fake
DingTalk (gettoken checked against the app key and secret, the work notice against the token
it issued), with the token kept in the cache, fetched again when it has expired or the cache
is down."""

import socket

import pytest
from django.core.cache import cache
from django.utils import timezone

from notifications.models import ChannelPreference, Notification
from notifications.services import channel_preference_save, notify_users
from notifications.tasks import deliver_notification_task
from tests.channels.fakes import DINGTALK_KEY, DINGTALK_SECRET, FakeProvider
from tests.factories import DepartmentFactory, EntrepreneurFactory
from tests.worlds import R, official_user

pytestmark = pytest.mark.django_db

SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"


class FakeDingTalk(FakeProvider):
    """Issues tokens ``token-1``, ``token-2``…; ``sends`` scripts the work-notice answers."""

    def __init__(self, *sends):
        self.issued: list[str] = []
        self.sends = list(sends) or [{"errcode": 0, "errmsg": "ok", "task_id": 1}]
        super().__init__(check=self.check_request, answers=[self.answer])

    def check_request(self, seen) -> bool:
        if seen.path == "/gettoken":
            return seen.method == "GET" and seen.query == {
                "appkey": DINGTALK_KEY, "appsecret": DINGTALK_SECRET}
        if seen.path == SEND_PATH:
            return seen.method == "POST" and seen.query.get("access_token") in self.issued
        return False

    def answer(self, seen):
        if seen.path == "/gettoken":
            self.issued.append(f"token-{len(self.issued) + 1}")
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": self.issued[-1],
                         "expires_in": 7200}
        data = self.sends[0]
        if len(self.sends) > 1:
            self.sends.pop(0)
        return 200, data

    def notices(self):
        return [seen for seen in self.seen if seen.path == SEND_PATH]


@pytest.fixture
def official():
    user = official_user(R.HANDLER, DepartmentFactory())
    channel_preference_save(user=user, dingtalk_userid="manager4220", dingtalk_enabled=True)
    return user


def tell(users, key="issue:5:dispatched:e9"):
    return notify_users(users=users, key=key, subject="新问题已交办：用地审批",
                        body="请在 5 个工作日内签收。", path="/issues/HZ-2026-0005/")


def deliver(row) -> Notification:
    deliver_notification_task.apply(args=(row.pk,))
    return Notification.objects.get(pk=row.pk)


def dingtalk_rows():
    return Notification.objects.filter(channel=Notification.Channel.DINGTALK)


def test_an_in_app_message_is_mirrored_for_an_official_who_opted_in(dingtalk_settings, official):
    quiet = official_user(R.HANDLER, DepartmentFactory())  # never opted in
    off = official_user(R.HANDLER, DepartmentFactory())
    channel_preference_save(user=off, dingtalk_userid="off01", dingtalk_enabled=False)

    # Three in-app rows, as asked; the mirror is written beside the official's own.
    assert tell([official, quiet, off]) == 3

    (row,) = dingtalk_rows()
    assert row.recipient == official
    assert row.address == "manager4220"
    assert row.key == f"issue:5:dispatched:e9:{official.pk}:dingtalk"
    assert (row.subject, row.url) == ("新问题已交办：用地审批", "/issues/HZ-2026-0005/")
    assert tell([official, quiet, off]) == 0  # a second call writes nothing
    assert dingtalk_rows().count() == 1


def test_nothing_is_mirrored_while_dingtalk_is_not_configured(settings, official):
    settings.DINGTALK_BACKEND = ""
    tell([official])
    assert not dingtalk_rows().exists()


def test_the_mirrored_row_is_delivered_as_a_link_work_notice(dingtalk_settings, official):
    tell([official])
    with FakeDingTalk() as fake:
        dingtalk_settings.DINGTALK_ENDPOINT = fake.url
        row = deliver(dingtalk_rows().get())

    assert row.status == Notification.Status.SENT
    assert all(seen.signature_ok for seen in fake.seen)
    (notice,) = fake.notices()
    assert notice.json == {
        "agent_id": 2801,
        "userid_list": "manager4220",
        "msg": {"msgtype": "link", "link": {
            "messageUrl": "https://talks.example.gov.cn/issues/HZ-2026-0005/",
            "picUrl": "https://talks.example.gov.cn/static/img/favicon.svg",
            "title": "新问题已交办：用地审批",
            "text": "请在 5 个工作日内签收。",
        }},
    }


def test_the_token_is_kept_in_the_cache_and_fetched_again_once_expired(
        dingtalk_settings, official):
    tell([official], key="issue:5:dispatched:e9")
    tell([official], key="issue:5:dispatched:e10")
    first, second = dingtalk_rows().order_by("pk")
    expired = {"errcode": 42001, "errmsg": "access_token expired"}
    ok = {"errcode": 0, "errmsg": "ok", "task_id": 2}
    with FakeDingTalk(ok, expired, ok) as fake:
        dingtalk_settings.DINGTALK_ENDPOINT = fake.url
        assert deliver(first).status == Notification.Status.SENT
        assert deliver(second).status == Notification.Status.SENT

    paths = [seen.path for seen in fake.seen]
    # One token for the first notice, reused for the second; refused as expired, a new one.
    assert paths == ["/gettoken", SEND_PATH, SEND_PATH, "/gettoken", SEND_PATH]
    assert [n.query["access_token"] for n in fake.notices()] == ["token-1", "token-1", "token-2"]


def test_a_cache_outage_costs_a_fresh_token_never_the_message(settings, dingtalk_settings,
                                                               official):
    tell([official])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    with FakeDingTalk() as fake:
        dingtalk_settings.DINGTALK_ENDPOINT = fake.url
        row = deliver(dingtalk_rows().get())
    assert row.status == Notification.Status.SENT
    assert [seen.path for seen in fake.seen] == ["/gettoken", SEND_PATH]


def test_throttling_is_retried_and_an_unknown_user_fails_at_once(dingtalk_settings, official):
    tell([official])
    row = dingtalk_rows().get()
    busy = {"errcode": 90018, "errmsg": "请求过于频繁"}
    unknown = {"errcode": 33012, "errmsg": "无效的userid"}
    with FakeDingTalk(busy, unknown) as fake:
        dingtalk_settings.DINGTALK_ENDPOINT = fake.url
        row = deliver(row)
        assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
        Notification.objects.filter(pk=row.pk).update(send_after=timezone.now())
        row = deliver(row)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 2)
    assert "33012" in row.last_error


def test_a_row_left_when_dingtalk_was_switched_off_fails_at_once(
        settings, dingtalk_settings, official):
    tell([official])
    settings.DINGTALK_BACKEND = ""
    row = deliver(dingtalk_rows().get())
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 1)
    assert "DINGTALK_BACKEND" in row.last_error


def test_a_message_without_a_link_is_a_text_notice(dingtalk_settings, official):
    notify_users(users=[official], key="account:1:notice", subject="账号已开通", body="欢迎使用。")
    with FakeDingTalk() as fake:
        dingtalk_settings.DINGTALK_ENDPOINT = fake.url
        deliver(dingtalk_rows().get())
    assert fake.notices()[0].json["msg"] == {
        "msgtype": "text", "text": {"content": "账号已开通\n欢迎使用。"}}


def test_an_entrepreneurs_message_is_never_mirrored_without_a_preference(dingtalk_settings):
    person = EntrepreneurFactory(with_user=True)
    tell([person.user])
    assert not dingtalk_rows().exists()
    assert not ChannelPreference.objects.exists()
    cache.clear()
