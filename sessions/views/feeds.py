"""Calendars: one session's .ics file, the person's secret calendar address (and a new
one), and the feed a calendar application fetches with it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.links import absolute_url
from sessions import services
from sessions.calendars import session_calendar_name, sessions_calendar
from sessions.models import CalendarFeed
from sessions.selectors import feed_for_token, sessions_for_feed
from sessions.views.common import _session

#: The most sessions a calendar feed lists (the coming ones and the last 90 days').
FEED_LIMIT = 500


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def session_ics(request, pk: int):
    session = _session(request, pk)
    return _ics_response(sessions_calendar([session], name=session.theme),
                         f"huzhou-talk-{session.pk}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request):
    """The person's secret calendar address; POST makes a new one (the old stops working)."""
    if request.method == "POST":
        services.calendar_feed_renew(user=request.user)
        messages.success(request, _("A new address was made; the old one no longer works."))
        return redirect("sessions:calendar_feed")
    feed = services.calendar_feed_for_user(user=request.user)
    url = absolute_url(reverse("sessions:feed", args=[feed.token]))
    return render(request, "sessions/calendar_feed.html", {
        "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[-1],
    })


@require_GET
def feed(request, token: str):
    """A calendar application fetches this without logging in: the secret is the key."""
    try:
        feed = feed_for_token(token=token)
    except CalendarFeed.DoesNotExist:
        raise Http404(_("This calendar address is not valid any more.")) from None
    sessions = sessions_for_feed(user=feed.user)[:FEED_LIMIT]
    return _ics_response(sessions_calendar(sessions, name=session_calendar_name()),
                         "huzhou-talks.ics")
