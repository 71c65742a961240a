"""Each app exports and erases its own share of a person's data (``<app>.personal_data``);
``privacy.services`` calls them in turn. These check the shares one by one, without the
screens; tests/test_privacy.py checks the whole."""

import pytest
from django.utils import timezone

from accounts import personal_data as account_data
from entrepreneurs import personal_data as entrepreneur_data
from issues import personal_data as issue_data
from notifications import personal_data as notification_data
from notifications.models import Notification
from notifications.services import notifications_retry
from privacy.services import ERASED_ADDRESS, personal_data_export
from tests.factories import (
    EntrepreneurFactory,
    IssueFactory,
    NotificationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_the_export_keeps_its_sections_in_order():
    person = EntrepreneurFactory(with_user=True)
    assert list(personal_data_export(user=person.user)) == [
        "format", "generated_at", "privacy_notice_version", "current_privacy_notice_version",
        "account", "person", "enterprise", "attendances", "issues", "notifications",
        "account_history", "deletion_requests",
    ]


def test_the_contacts_of_a_person_include_the_accounts_own_address_once():
    person = EntrepreneurFactory(with_user=True, mobile="13905720001", email="a@example.com")
    person.user.email = "b@example.com"
    assert entrepreneur_data.contact_identifiers(person=person) == [
        "13905720001", "a@example.com", "b@example.com"]
    person.user.email = "a@example.com"
    assert entrepreneur_data.contact_identifiers(person=person) == [
        "13905720001", "a@example.com"]


def test_erasing_the_person_keeps_the_row_and_the_enterprise():
    person = EntrepreneurFactory(with_user=True, name="钱振华")
    now = timezone.now()
    entrepreneur_data.erase_person(person=person, now=now)
    person.refresh_from_db()
    assert (person.name, person.mobile, person.email, person.position) == ("", "", "", "")
    assert (person.consent_to_contact, person.anonymised_at) == (False, now)
    assert person.enterprise_id is not None


def test_messages_without_an_account_are_erased_by_address_and_contacts_everywhere():
    someone_else = UserFactory()
    sms = NotificationFactory(channel="sms", address="13905720001", status="pending",
                              subject="钱振华，您好", body="周三见")
    mention = NotificationFactory(recipient=someone_else, channel="in_app", address="",
                                  subject="新问题", body="联系电话 13905720001")
    notification_data.erase_notifications(name="钱振华", identifiers=["13905720001"])
    sms.refresh_from_db()
    mention.refresh_from_db()
    assert (sms.address, sms.body, sms.status) == (
        ERASED_ADDRESS, "", Notification.Status.CANCELLED)
    assert (mention.subject, mention.body) == ("新问题", "联系电话 ")


def test_the_account_is_switched_off_and_renamed():
    user = UserFactory(first_name="振华")
    account_data.erase_account(user=user)
    user.refresh_from_db()
    assert (user.username, user.email, user.first_name, user.is_active) == (
        f"deleted-{user.pk}", "", "", False)
    assert not user.has_usable_password()


def test_the_issues_share_lists_the_persons_issues_only():
    person = EntrepreneurFactory(with_user=True)
    IssueFactory(enterprise=person.enterprise, entrepreneur=person, title="用地指标")
    IssueFactory(title="别人的问题")
    assert [item["title"] for item in issue_data.export_issues(person=person)] == ["用地指标"]


@pytest.mark.parametrize("status", ["pending", "sending", "failed"])
def test_a_message_not_yet_sent_is_cancelled_so_no_sweep_or_retry_sends_it(status):
    """An in-doubt row would be sent again after the timeout, a failed one on a retry: to
    the erased address, with an empty text."""
    sms = NotificationFactory(channel="sms", address="13905720001", status=status)
    sent = NotificationFactory(channel="sms", address="13905720001", status="sent")
    notification_data.erase_notifications(identifiers=["13905720001"])
    sms.refresh_from_db()
    sent.refresh_from_db()
    assert (sms.status, sent.status) == (Notification.Status.CANCELLED,
                                         Notification.Status.SENT)
    assert notifications_retry(notification_ids=[sms.pk]) == 0
