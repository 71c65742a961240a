"""The in-app inbox: each person sees, opens and marks read only their own messages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

INBOX = reverse("notifications:inbox")
READ_ALL = reverse("notifications:read_all")
#: Session, user, role groups, the nav badge's unread count, the page's count and its rows.
INBOX_QUERIES = 6


def message(user, **kwargs) -> Notification:
    values = {"channel": Notification.Channel.IN_APP, "recipient": user, "address": "",
              "url": "/issues/HZ-2026-000001/"}
    return NotificationFactory(**{**values, **kwargs})


def open_url(notification) -> str:
    return reverse("notifications:open", kwargs={"pk": notification.pk})


def listed(response) -> list[int]:
    """The pks of the messages shown, in the order shown."""
    return [item.pk for item in response.context["page"].object_list]


@pytest.fixture
def person(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_the_inbox_lists_only_the_persons_own_messages_newest_first(client, person):
    now = timezone.now()
    old = message(person, subject="Your issue was received", created_at=now - timedelta(days=2),
                  status=Notification.Status.SENT)
    new = message(person, subject="Please rate the answer", body="The department answered.",
                  created_at=now - timedelta(hours=1))
    message(UserFactory(), subject="Someone else's message")
    message(person, subject="Withdrawn message", status=Notification.Status.CANCELLED)
    message(person, subject="Tomorrow's reminder", send_after=now + timedelta(days=1))
    NotificationFactory(recipient=person, subject="The same, by email")

    response = client.get(INBOX)

    assert response.status_code == 200
    assert listed(response) == [new.pk, old.pk]
    page = response.content.decode()
    assert "Please rate the answer" in page
    assert "The department answered." in page
    for hidden in ("Someone else&#x27;s message", "Withdrawn message", "Tomorrow&#x27;s reminder",
                   "The same, by email"):
        assert hidden not in page
    assert "2 messages" in page


def test_messages_created_at_the_same_moment_keep_a_stable_order(client, person):
    moment = timezone.now() - timedelta(minutes=5)
    rows = [message(person, created_at=moment) for _ in range(30)]

    first = listed(client.get(INBOX))
    second = listed(client.get(INBOX, {"page": 2}))

    assert first + second == [row.pk for row in reversed(rows)]
    assert len(first) == 25


def test_unread_messages_are_highlighted_and_can_be_shown_alone(client, person):
    unread = message(person, subject="Not yet read")
    read = message(person, subject="Already read", read_at=timezone.now())

    everything = client.get(INBOX).content.decode()
    only_unread = client.get(INBOX, {"unread": "1"})

    assert f'data-pk="{unread.pk}" data-unread="yes"' in everything
    assert f'data-pk="{read.pk}" data-unread="no"' in everything
    assert listed(only_unread) == [unread.pk]
    assert "1 unread message" in only_unread.content.decode()


def test_with_nothing_unread_the_unread_filter_says_so(client, person):
    message(person, read_at=timezone.now())

    page = client.get(INBOX, {"unread": "1"}).content.decode()

    assert "You have read all your messages." in page
    assert 'data-testid="read-all"' not in page


def test_opening_a_message_marks_it_read_and_follows_its_link(client, person):
    notification = message(person, url="/issues/HZ-2026-000001/rate/")

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response.url == "/issues/HZ-2026-000001/rate/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_it_again_keeps_the_first_reading_time(client, person):
    first_read = timezone.now() - timedelta(days=1)
    notification = message(person, read_at=first_read)

    client.get(open_url(notification))

    notification.refresh_from_db()
    assert notification.read_at == first_read


@pytest.mark.parametrize("url", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)",
    "issues/HZ-2026-000001/", "",
])
def test_a_link_off_the_site_leads_back_to_the_inbox(client, person, url):
    notification = message(person, url=url)

    response = client.get(open_url(notification))

    assert response.status_code == 302
    assert response.url == INBOX
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_persons_message_does_not_exist_for_you(client, person):
    theirs = message(UserFactory())

    response = client.get(open_url(theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_withdrawn_message_cannot_be_opened(client, person):
    cancelled = message(person, status=Notification.Status.CANCELLED)

    assert client.get(open_url(cancelled)).status_code == 404


def test_mark_all_read_marks_only_the_persons_own_messages(client, person):
    mine = [message(person), message(person, status=Notification.Status.SENT)]
    theirs = message(UserFactory())

    response = client.post(READ_ALL, follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "All your messages are marked as read." in response.content.decode()
    assert all(Notification.objects.get(pk=row.pk).read_at for row in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_a_post(client, person):
    unread = message(person)

    assert client.get(READ_ALL).status_code == 405
    unread.refresh_from_db()
    assert unread.read_at is None


@pytest.mark.parametrize("url", [INBOX, READ_ALL, "/inbox/1/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.post(url) if url == READ_ALL else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_navigation_shows_how_many_messages_are_unread(client, person):
    message(person)
    message(person)
    message(person, read_at=timezone.now())
    message(UserFactory())

    page = client.get(reverse("home")).content.decode()

    assert 'data-testid="nav-inbox"' in page
    assert ('data-testid="nav-inbox-unread">2<span class="visually-hidden"> unread</span>'
            in page)
    assert 'data-testid="nav-toggler-unread"' in page


def test_with_nothing_unread_the_navigation_shows_no_badge(client, person):
    message(person, read_at=timezone.now())

    page = client.get(reverse("home")).content.decode()

    assert 'data-testid="nav-inbox"' in page
    assert 'data-testid="nav-inbox-unread"' not in page
    assert 'data-testid="nav-toggler-unread"' not in page


def test_anonymous_visitors_have_no_inbox_link(client):
    assert 'data-testid="nav-inbox"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(("query", "shown"), [
    ({}, 25), ({"unread": "1"}, 3 + 19), ({"page": "2"}, 40 - 25),
])
def test_the_inbox_runs_a_fixed_number_of_queries(client, person, django_assert_num_queries,
                                                   query, shown):
    for _ in range(3):
        message(person)
    with django_assert_num_queries(INBOX_QUERIES):
        assert client.get(INBOX, query).status_code == 200
    for index in range(37):
        message(person, read_at=timezone.now() if index % 2 else None)
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(INBOX, query)
    assert response.status_code == 200
    assert len(listed(response)) == shown
