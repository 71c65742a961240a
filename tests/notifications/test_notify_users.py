"""``notify_users``: the same message to several users, one row a user and channel, in the
caller's transaction; delivery is queued by the task's name, so services never imports the
tasks."""

import pytest
from django.db import transaction

from notifications import tasks
from notifications.models import Notification
from notifications.services import DELIVER_TASK, notify_users
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_user_is_told_once_in_the_app_and_by_email_when_asked():
    told, silent = UserFactory(), UserFactory(email="")
    off = UserFactory(is_active=False)
    written = notify_users(users=[told, silent, off], key="test:hello", subject="你好",
                           body="正文", path="/somewhere/", email=True)
    # In the app to active accounts; by email to any account with an address (as
    # notify_person does).
    assert written == 4
    assert set(Notification.objects.values_list("key", "channel", "recipient", "address",
                                                "url")) == {
        (f"test:hello:{told.pk}:in_app", "in_app", told.pk, "", "/somewhere/"),
        (f"test:hello:{told.pk}:email", "email", told.pk, told.email, ""),
        (f"test:hello:{silent.pk}:in_app", "in_app", silent.pk, "", "/somewhere/"),
        (f"test:hello:{off.pk}:email", "email", off.pk, off.email, ""),
    }
    assert notify_users(users=[told, silent], key="test:hello", subject="你好", body="正文",
                        email=True) == 0


def test_in_the_app_only_unless_email_is_asked_for():
    user = UserFactory()
    assert notify_users(users=[user], key="test:quiet", subject="你好", body="正文") == 1
    assert Notification.objects.get().channel == Notification.Channel.IN_APP


def test_the_rows_are_part_of_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_users(users=[UserFactory()], key="test:undone", subject="你好", body="正文")
        raise RuntimeError("the change that caused it failed")
    assert not Notification.objects.exists()


def test_the_delivery_task_is_registered_under_the_name_services_queues():
    assert tasks.deliver_notification_task.name == DELIVER_TASK
