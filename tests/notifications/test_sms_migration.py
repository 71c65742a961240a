"""The migration that brings in SMS parts signs the SMS rows not sent yet and counts their
parts, so they go out as new ones do; a sent row keeps the text it was sent with."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0003_sending_in_doubt")]
AFTER = [("notifications", "0004_sms_parts")]


@pytest.fixture
def executor():
    """The notifications app at 0003; brought back to its latest whatever the test did."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("notifications"))


@pytest.mark.django_db(transaction=True)
def test_unsent_sms_rows_are_signed_and_counted(executor):
    old = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")
    rows = {
        "pending": old.objects.create(key="a:sms", channel="sms", address="13812345678",
                                      subject="提醒\n明天", body="请准时参会。"),
        "signed": old.objects.create(key="b:sms", channel="sms", address="13812345678",
                                     subject="【湖州政企恳谈会】提醒", body="请准时参会。",
                                     status="failed"),
        "sent": old.objects.create(key="c:sms", channel="sms", address="13812345678",
                                   subject="提醒", body="请准时参会。", status="sent"),
        "email": old.objects.create(key="d:email", channel="email", address="a@example.com",
                                    subject="提醒", body="请准时参会。"),
    }
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
    after = {name: new.objects.get(pk=row.pk) for name, row in rows.items()}
    assert [(row.subject, row.sms_parts) for row in after.values()] == [
        ("【湖州政企恳谈会】提醒 明天", 1), ("【湖州政企恳谈会】提醒", 1), ("提醒", None),
        ("提醒", None)]
