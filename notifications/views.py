"""The in-app inbox: each person's own messages, and marking them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from notifications.models import Notification
from notifications.selectors import inbox_entry_for_user, inbox_for_user
from notifications.services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 25


@login_required
@require_GET
def inbox(request):
    """The signed-in person's messages, newest first; ``?unread=1`` for the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    rows = inbox_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(request, "notifications/inbox.html",
                      {"page": page, "unread_only": unread_only})
    add_never_cache_headers(response)
    return response


def _is_local_path(url: str) -> bool:
    """A path on this site (``/issues/…``): never another host, scheme or a relative path."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@login_required
@require_GET
def open_notification(request, pk: int):
    """Mark the message read and follow its link; back to the inbox when it has none.

    A GET, because this is the link people tap in the list; marking read is idempotent.
    """
    try:
        notification = inbox_entry_for_user(user=request.user, pk=pk)
    except Notification.DoesNotExist as error:
        raise Http404(_("No such message in your inbox.")) from error
    notification_mark_read(notification=notification)
    if _is_local_path(notification.url):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    marked = notifications_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All your messages are marked as read."))
    return redirect("notifications:inbox")
