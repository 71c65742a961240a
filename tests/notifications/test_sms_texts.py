"""SMS texts: the sender's signature at the start (once), the parts each text takes as the
operator counts them, recorded on the outbox row, and the text the provider is given is
the row's own (docs/notifications.md: SMS texts)."""

import pytest
from django.urls import reverse

from notifications.backends import sms_parts, sms_text
from notifications.models import Notification
from notifications.services import notification_create, notification_deliver, notify_person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNATURE = "【湖州政企恳谈会】"
SITE = "http://testserver.example"


class RecordingSMSBackend:
    calls: list = []

    def send(self, *, mobile: str, text: str, key: str) -> None:
        RecordingSMSBackend.calls.append(text)


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SITE_URL = SITE
    settings.SMS_BACKEND = f"{__name__}.RecordingSMSBackend"
    RecordingSMSBackend.calls = []
    return RecordingSMSBackend


def an_sms(subject: str = "您的问题已答复", body: str = "请评价。", key: str = "test:1:sms"):
    return notification_create(key=key, channel=Notification.Channel.SMS,
                               address="13812345678", subject=subject, body=body)


# --- Parts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "parts"), [
    (0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
])
def test_parts_at_the_edges(length, parts):
    """70 characters fit one SMS; a longer text goes in parts of 67."""
    assert sms_parts("政" * length) == parts
    assert sms_parts("a" * length) == parts  # UCS-2 for every text, as the brief's operator


def test_a_character_beyond_the_basic_plane_counts_twice():
    assert sms_parts("😀" * 35) == 1
    assert sms_parts("😀" * 35 + "a") == 2


# --- The signature ----------------------------------------------------------------------------


def test_an_sms_row_starts_with_the_signature_and_records_its_parts():
    row = an_sms()
    assert row.subject == f"{SIGNATURE}您的问题已答复"
    assert sms_text(row.subject, row.body) == f"{SIGNATURE}您的问题已答复 请评价。"
    assert row.sms_parts == 1


def test_the_signature_is_never_doubled():
    row = an_sms(subject=f"{SIGNATURE}您的问题已答复")
    assert row.subject == f"{SIGNATURE}您的问题已答复"
    no_subject = an_sms(subject="", body=f"{SIGNATURE}请评价。", key="test:2:sms")
    assert (no_subject.subject, no_subject.body) == ("", f"{SIGNATURE}请评价。")


def test_the_signature_is_a_setting(settings):
    settings.SMS_SIGNATURE = "【吴兴区恳谈会】"
    assert an_sms().subject == "【吴兴区恳谈会】您的问题已答复"
    settings.SMS_SIGNATURE = ""
    assert an_sms(key="test:2:sms").subject == "您的问题已答复"


def test_only_sms_rows_are_signed_and_counted():
    user = UserFactory()
    notify_person(key="test:hello", subject="您的问题已答复", body="请评价。", path="/x/",
                  user=user, email="a@example.com")
    for row in Notification.objects.all():
        assert (row.subject, row.sms_parts) == ("您的问题已答复", None), row.channel


def test_the_parts_count_the_whole_text_signature_included():
    # 9 characters of signature + 50 of subject + a space + 10 of text = 70: one part.
    row = an_sms(subject="问" * 50, body="答" * 10)
    assert len(sms_text(row.subject, row.body)) == 70 and row.sms_parts == 1
    row = an_sms(subject="问" * 50, body="答" * 11, key="test:2:sms")
    assert row.sms_parts == 2


def test_a_long_subject_is_shortened_and_keeps_its_signature():
    row = an_sms(subject="长" * 300)
    assert row.subject.startswith(SIGNATURE) and len(row.subject) == 200
    assert row.sms_parts == sms_parts(sms_text(row.subject, row.body)) == 4


def test_a_row_is_written_on_one_line_as_it_is_sent():
    row = an_sms(subject="民营经济\n专场恳谈会", body="周三14:30\r\n市民之家")
    assert (row.subject, row.body) == (f"{SIGNATURE}民营经济 专场恳谈会", "周三14:30 市民之家")


def test_the_provider_is_given_the_rows_text_exactly(sms):
    row = an_sms(subject="您的问题 HZ-2026-000001 已答复", body="请评价。" * 20)
    assert notification_deliver(notification_id=row.pk) is True
    assert sms.calls == [sms_text(row.subject, row.body)]
    assert sms.calls[0].startswith(SIGNATURE) and sms.calls[0].count(SIGNATURE) == 1
    assert sms_parts(sms.calls[0]) == row.sms_parts == 2


# --- Links ------------------------------------------------------------------------------------


def test_an_sms_links_to_the_short_path_when_one_is_given():
    notify_person(key="test:link", subject="邀请", body="请报名。", path="/sessions/7/",
                  sms_path="/s/7", user=UserFactory(), email="a@example.com",
                  mobile="13812345678")
    rows = {row.channel: row for row in Notification.objects.all()}
    assert rows["sms"].body == f"请报名。 {SITE}/s/7"
    assert rows["email"].body == f"请报名。\n\n{SITE}/sessions/7/"
    assert rows["in_app"].url == "/sessions/7/"


def test_the_admin_lists_the_parts_of_each_text(admin_client):
    an_sms(body="请评价。" * 30)
    page = admin_client.get(reverse("admin:notifications_notification_changelist"),
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SMS parts" in page
    assert 'class="field-sms_parts">3<' in page
