"""Alibaba Cloud SMS through a local fake Dysmsapi that recomputes the HMAC-SHA1 signature:
what reaches the provider (number, signature name, template, parameters, OutId = the outbox
key), and what each answer does to the outbox row (sent, retried, failed at once)."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.backends import outbox_key
from notifications.models import Notification
from notifications.services import notification_create
from notifications.tasks import deliver_notification_task
from tests.channels.fakes import FakeProvider, aliyun_signature_ok

pytestmark = pytest.mark.django_db

OK = (200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"})
THROTTLED = (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控",
                   "RequestId": "r2"})
BAD_NUMBER = (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号",
                    "RequestId": "r3"})


def aliyun(*answers):
    return FakeProvider(check=lambda seen: seen.method == "POST" and aliyun_signature_ok(
        "POST", seen.form), answers=answers)


def sms_row(key="issue:12:rate:r1:7:sms", mobile="13800001234") -> Notification:
    return notification_create(key=key, channel=Notification.Channel.SMS, address=mobile,
                               subject="请评价问题 HZ-2026-0012", body="点击 https://x/r/abc")


def deliver(row) -> Notification:
    deliver_notification_task.apply(args=(row.pk,))
    return Notification.objects.get(pk=row.pk)


def test_a_row_is_sent_signed_with_its_template_and_the_outbox_key(aliyun_settings):
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())

    assert row.status == Notification.Status.SENT
    (seen,) = fake.seen
    assert seen.signature_ok
    form = seen.form
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25"
    assert form["PhoneNumbers"] == "13800001234"
    assert form["SignName"] == "湖州政企恳谈会"
    assert form["TemplateCode"] == "SMS_RATE_1"  # the kind "issue:rate" has its own template
    # The text without the signature: Alibaba adds the SignName itself.
    assert json.loads(form["TemplateParam"]) == {
        "content": "请评价问题 HZ-2026-0012 点击 https://x/r/abc"}
    assert form["OutId"] == outbox_key(row.key)


def test_a_kind_without_a_template_goes_out_on_the_generic_one(aliyun_settings):
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row(key="session:4:reminder:1:202612091400:e3:sms",
                              mobile="+86 138 0000 5678"))
    assert row.status == Notification.Status.SENT
    assert fake.seen[0].form["TemplateCode"] == "SMS_GENERIC_1"
    assert fake.seen[0].form["PhoneNumbers"] == "13800005678"
    assert list(json.loads(fake.seen[0].form["TemplateParam"])) == ["content"]


def test_throttling_is_retried_later_with_the_same_out_id(aliyun_settings):
    with aliyun(THROTTLED, OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
        assert row.status == Notification.Status.PENDING
        assert row.attempts == 1
        assert "isv.BUSINESS_LIMIT_CONTROL" in row.last_error
        assert row.send_after > timezone.now()

        Notification.objects.filter(pk=row.pk).update(send_after=timezone.now())
        row = deliver(row)

    assert row.status == Notification.Status.SENT
    assert row.attempts == 2
    first, second = fake.seen
    assert first.signature_ok and second.signature_ok
    assert first.form["OutId"] == second.form["OutId"] == outbox_key(row.key)
    assert first.form["SignatureNonce"] != second.form["SignatureNonce"]


def test_a_server_error_is_retried(aliyun_settings):
    with aliyun((503, {"Code": "ServiceUnavailable"})) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert row.status == Notification.Status.PENDING
    assert "503" in row.last_error


def test_a_provider_that_does_not_answer_in_time_is_retried(aliyun_settings):
    def slow(seen):
        time.sleep(1)
        return OK

    aliyun_settings.SMS_TIMEOUT = 0.2
    with aliyun(slow) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
    assert "timed out" in row.last_error


def test_an_unreachable_provider_is_retried(aliyun_settings):
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
    # The server is closed: the connection is refused.
    row = deliver(sms_row())
    assert row.status == Notification.Status.PENDING
    assert row.attempts == 1


def test_an_invalid_number_fails_the_row_at_once(aliyun_settings):
    with aliyun(BAD_NUMBER) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert row.status == Notification.Status.FAILED
    assert row.attempts == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in row.last_error


def test_a_wrong_secret_is_refused_by_the_provider_and_fails_the_row(aliyun_settings):
    aliyun_settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"  # noqa: S105
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert fake.seen[0].signature_ok is False
    assert row.status == Notification.Status.FAILED
    assert "SignatureDoesNotMatch" in row.last_error


def test_a_number_that_is_not_a_mobile_is_never_sent(aliyun_settings):
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row(mobile="0572-1234567"))
    assert fake.seen == []
    assert row.status == Notification.Status.FAILED


def test_a_second_attempt_after_the_in_doubt_timeout_carries_the_same_out_id(aliyun_settings):
    """A worker died inside the provider call: the row stayed "sending"; after the timeout
    the sweep's attempt gives Alibaba the same OutId."""
    with aliyun(OK) as fake:
        aliyun_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.Status.SENDING,
            attempted_at=timezone.now() - timedelta(
                seconds=aliyun_settings.NOTIFICATION_IN_DOUBT_SECONDS + 1))
        row = deliver(row)
    assert row.status == Notification.Status.SENT
    assert [seen.form["OutId"] for seen in fake.seen] == [outbox_key(row.key)] * 2
