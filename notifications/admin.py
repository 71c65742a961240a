from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "channel", "recipient", "address", "status", "attempts",
                    "created_at", "sent_at", "read_at")
    list_filter = ("channel", "status")
    list_select_related = ("recipient",)
    search_fields = ("key", "subject", "address", "recipient__username")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ("key", "channel", "recipient", "address", "subject", "body", "url",
                       "attempts", "last_error", "created_at", "sent_at", "read_at")

    def has_add_permission(self, request):
        return False
