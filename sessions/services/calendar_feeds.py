"""Calendar feeds: each user's secret address for subscribing to their sessions."""

from sessions.models import CalendarFeed, new_feed_token


def calendar_feed_for_user(*, user) -> CalendarFeed:
    """The user's secret calendar address, made the first time it is asked for."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_renew(*, user) -> CalendarFeed:
    """A new secret: the old address stops working (for a link shared by mistake)."""
    feed = calendar_feed_for_user(user=user)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed
