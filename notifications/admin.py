from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.services import notifications_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "channel", "recipient", "address", "sms_parts", "status",
                    "attempts", "created_at", "attempted_at", "sent_at", "read_at")
    list_filter = ("status", "channel")
    list_select_related = ("recipient",)
    search_fields = ("key", "subject", "address", "recipient__username")
    date_hierarchy = "created_at"
    show_full_result_count = False
    # Every field is read-only: a row changes only through the services (the retry action
    # below calls ``notifications_retry``), so an in-doubt send is never doubled by hand.
    readonly_fields = ("key", "channel", "recipient", "address", "subject", "body", "url",
                       "sms_parts", "status", "attempts", "last_error", "created_at",
                       "attempted_at", "sent_at", "read_at")
    actions = ("retry",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected failed notifications"),
                  permissions=("change",))
    def retry(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = notifications_retry(notification_ids=selected)
        self.message_user(request, ngettext(
            "%(count)d failed notification was queued again.",
            "%(count)d failed notifications were queued again.", queued) % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING)
        if len(selected) > queued:
            skipped = len(selected) - queued
            self.message_user(request, ngettext(
                "%(count)d selected notification had not failed and was left as it is.",
                "%(count)d selected notifications had not failed and were left as they are.",
                skipped) % {"count": skipped}, messages.WARNING)
