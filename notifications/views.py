"""The in-app inbox: each person's own messages, and marking them read."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.backends import dingtalk_enabled
from notifications.forms import DingTalkPreferenceForm
from notifications.models import ChannelPreference, Notification
from notifications.selectors import inbox_entry_for_user, inbox_for_user
from notifications.services import (
    channel_preference_save,
    notification_mark_read,
    notifications_mark_all_read,
)

PAGE_SIZE = 25


@login_required
@require_GET
def inbox(request):
    """The signed-in person's messages, newest first; ``?unread=1`` for the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    rows = inbox_for_user(user=request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(request, "notifications/inbox.html",
                      {"page": page, "unread_only": unread_only,
                       "may_use_dingtalk": dingtalk_enabled() and may_use_dingtalk(request.user)})
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


# --- DingTalk work notices: each official's own setting (docs/api-channels.md) -----------

NOT_FOR_YOU = _("Only officials can have their messages sent to DingTalk.")


def may_use_dingtalk(user) -> bool:
    """Whether ``user`` may switch DingTalk on: ``DINGTALK_OPT_IN_ALLOWED`` names the
    predicate (officials, ``accounts.roles.is_official``; this app knows no domain app)."""
    return bool(import_string(settings.DINGTALK_OPT_IN_ALLOWED)(user))


@login_required
@require_http_methods(["GET", "POST"])
def channel_settings(request):
    """An official's DingTalk user id and whether their in-app messages also go there."""
    if not may_use_dingtalk(request.user):
        raise PermissionDenied(NOT_FOR_YOU)
    preference = ChannelPreference.objects.filter(user=request.user).first()
    initial = {"dingtalk_userid": preference.dingtalk_userid if preference else "",
               "dingtalk_enabled": preference.dingtalk_enabled if preference else False}
    form = DingTalkPreferenceForm(
        request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = channel_preference_save(
            user=request.user, dingtalk_userid=form.cleaned_data["dingtalk_userid"],
            dingtalk_enabled=form.cleaned_data["dingtalk_enabled"])
        messages.success(request, _("Your messages will also be sent to DingTalk.")
                         if saved.mirrors_to_dingtalk
                         else _("Your messages will no longer be sent to DingTalk."))
        return redirect("notifications:settings")
    response = render(request, "notifications/settings.html", {
        "form": form, "configured": dingtalk_enabled(),
        "active": bool(preference and preference.mirrors_to_dingtalk),
    }, status=400 if form.is_bound else 200)
    add_never_cache_headers(response)
    return response
