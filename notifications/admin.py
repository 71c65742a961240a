from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import CleanTextModelForm
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from notifications.services import (
    notifications_retry,
    webhook_endpoint_save,
    webhook_endpoints_new_secret,
    webhooks_send_again,
)
from notifications.webhooks import check_url


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
                       "attempted_at", "sent_at", "read_at", "webhook_endpoint")
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


# --- Webhooks (docs/api-webhooks.md) ----------------------------------------------------------


class WebhookEndpointForm(CleanTextModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=WebhookEndpoint._meta.get_field("url").help_text)
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("The events this endpoint receives."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "events", "active")

    def clean_url(self):
        url = self.cleaned_data["url"]
        check_url(url)
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Register an integrating system's URL and the events it receives. The secret is made
    here, when the endpoint is saved first, and stays visible to administrators (the
    signature needs it in clear on both sides); the action gives a new one."""

    form = WebhookEndpointForm
    list_display = ("name", "url", "active", "event_list", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    readonly_fields = ("secret", "created_at")
    actions = ("new_secret",)

    @admin.display(description=_("events"))
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        if webhook_endpoint_save(endpoint=obj):
            self.message_user(request, _(
                "A signing secret was made for %(name)s; it is shown on its page. Give it to "
                "the integrating system through a safe channel.") % {"name": obj.name},
                messages.SUCCESS)

    @admin.action(description=_("Give the selected endpoints a new secret"),
                  permissions=("change",))
    def new_secret(self, request, queryset):
        count = webhook_endpoints_new_secret(endpoint_ids=list(queryset.values_list("pk",
                                                                                    flat=True)))
        self.message_user(request, ngettext(
            "%(count)d endpoint has a new secret; the old one no longer verifies.",
            "%(count)d endpoints have a new secret; the old ones no longer verify.",
            count) % {"count": count}, messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: one row per attempt. "Send again" posts a delivered or failed event
    once more, as a new outbox row (``webhooks_send_again``)."""

    list_display = ("at", "endpoint", "event", "status_code", "duration_ms", "error",
                    "outbox_status")
    list_filter = ("event", "status_code", "endpoint")
    list_select_related = ("endpoint", "notification")
    search_fields = ("event", "endpoint__name", "notification__key")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = ("notification", "endpoint", "event", "status_code",
                       "response_excerpt", "error", "duration_ms", "at")
    actions = ("send_again",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("outbox status"))
    def outbox_status(self, attempt):
        return attempt.notification.get_status_display()

    def has_send_again_permission(self, request):
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Send the selected events again"), permissions=("send_again",))
    def send_again(self, request, queryset):
        rows = set(queryset.values_list("notification_id", flat=True))
        queued = webhooks_send_again(notification_ids=rows)
        self.message_user(request, ngettext(
            "%(count)d event was queued to be sent again.",
            "%(count)d events were queued to be sent again.", queued) % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING)
        if len(rows) > queued:
            skipped = len(rows) - queued
            self.message_user(request, ngettext(
                "%(count)d selected event is still being delivered and was left as it is.",
                "%(count)d selected events are still being delivered and were left as they "
                "are.", skipped) % {"count": skipped}, messages.WARNING)
