"""Tencent Cloud SMS through a local fake that recomputes the TC3-HMAC-SHA256 signature:
the payload (number with +86, app id, signature, template, parameters, SessionContext = the
outbox key) and what each answer does to the outbox row."""

import pytest
from django.utils import timezone

from notifications.backends import outbox_key
from notifications.models import Notification
from notifications.services import notification_create
from notifications.tasks import deliver_notification_task
from tests.channels.fakes import FakeProvider, tencent_signature_ok

pytestmark = pytest.mark.django_db


def status(code, message="send success"):
    return (200, {"Response": {"SendStatusSet": [{
        "SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613800001234",
        "Fee": 1, "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"}],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}})


OK = status("Ok")
THROTTLED = status("LimitExceeded.PhoneNumberThirtySecondLimit", "30 秒内发送过")
BAD_NUMBER = status("InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
REQUEST_LIMIT = (200, {"Response": {"Error": {"Code": "RequestLimitExceeded",
                                              "Message": "请求的次数超过了频率限制"},
                                    "RequestId": "r"}})
BAD_TEMPLATE = (200, {"Response": {"Error": {
    "Code": "FailedOperation.TemplateIncorrectOrUnapproved", "Message": "模板未审批或内容不匹配"},
    "RequestId": "r"}})


def tencent(*answers):
    return FakeProvider(
        check=lambda seen: seen.method == "POST" and tencent_signature_ok(seen.headers, seen.body)
        and seen.headers.get("x-tc-action") == "SendSms",
        answers=answers,
        refusal=(200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                              "Message": "签名错误"}}}))


def sms_row(key="issue:12:rate:r1:7:sms", mobile="13800001234") -> Notification:
    return notification_create(key=key, channel=Notification.Channel.SMS, address=mobile,
                               subject="请评价问题 HZ-2026-0012", body="点击 https://x/r/abc")


def deliver(row) -> Notification:
    deliver_notification_task.apply(args=(row.pk,))
    return Notification.objects.get(pk=row.pk)


def test_a_row_is_sent_signed_with_its_template_and_the_outbox_key(tencent_settings):
    with tencent(OK) as fake:
        tencent_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())

    assert row.status == Notification.Status.SENT
    (seen,) = fake.seen
    assert seen.signature_ok
    assert seen.headers["x-tc-region"] == "ap-shanghai"
    assert seen.headers["x-tc-version"] == "2021-01-11"
    assert seen.json == {
        "PhoneNumberSet": ["+8613800001234"],
        "SmsSdkAppId": "1400000001",
        "SignName": "湖州政企恳谈会",
        "TemplateId": "SMS_RATE_1",
        "TemplateParamSet": ["请评价问题 HZ-2026-0012 点击 https://x/r/abc"],
        "SessionContext": outbox_key(row.key),
    }


def test_throttling_is_retried_later_with_the_same_session_context(tencent_settings):
    with tencent(THROTTLED, REQUEST_LIMIT, OK) as fake:
        tencent_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
        assert (row.status, row.attempts) == (Notification.Status.PENDING, 1)
        assert "LimitExceeded.PhoneNumberThirtySecondLimit" in row.last_error
        for _attempt in range(2):
            Notification.objects.filter(pk=row.pk).update(send_after=timezone.now())
            row = deliver(row)

    assert (row.status, row.attempts) == (Notification.Status.SENT, 3)
    assert all(seen.signature_ok for seen in fake.seen)
    assert {seen.json["SessionContext"] for seen in fake.seen} == {outbox_key(row.key)}


@pytest.mark.parametrize("answer, code", [
    (BAD_NUMBER, "InvalidParameterValue.IncorrectPhoneNumber"),
    (BAD_TEMPLATE, "FailedOperation.TemplateIncorrectOrUnapproved"),
])
def test_a_refusal_fails_the_row_at_once(tencent_settings, answer, code):
    with tencent(answer) as fake:
        tencent_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 1)
    assert code in row.last_error


def test_a_wrong_secret_is_refused_by_the_provider(tencent_settings):
    tencent_settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"  # noqa: S105
    with tencent(OK) as fake:
        tencent_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert fake.seen[0].signature_ok is False
    assert row.status == Notification.Status.FAILED
    assert "AuthFailure.SignatureFailure" in row.last_error


def test_a_server_error_is_retried(tencent_settings):
    with tencent((502, {})) as fake:
        tencent_settings.SMS_ENDPOINT = fake.url
        row = deliver(sms_row())
    assert row.status == Notification.Status.PENDING
