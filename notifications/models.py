"""The outbox: one row per message to one person on one channel.

A row is written in the same transaction as the change that causes it, so
nothing is lost when the broker is down; a task delivers it, and a periodic
sweep delivers whatever is still pending or left in doubt by a crash
(docs/notifications.md). In-app rows are also the inbox.
This app knows no domain: callers give it the text and a unique key.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In-app")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        #: A signed POST to an integrating system's endpoint (``webhook_endpoint``).
        WEBHOOK = "webhook", _("Webhook")
        #: A work notice on DingTalk (浙政钉) mirroring an in-app row; ``address`` is the
        #: official's DingTalk user id (``ChannelPreference``).
        DINGTALK = "dingtalk", _("DingTalk")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        #: Handed to the provider and not yet known to be sent: a crash leaves the row here,
        #: "in doubt", and the sweep tries it again only after NOTIFICATION_IN_DOUBT_SECONDS.
        SENDING = "sending", _("Sending (in doubt)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    key = models.CharField(
        _("key"), max_length=200, unique=True,
        help_text=_("What, for whom, which round and channel; a second row with the same key "
                    "is never written, so a message is sent once."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("recipient"),
    )
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("Email address or mobile number.")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    sms_parts = models.PositiveSmallIntegerField(
        _("SMS parts"), null=True, blank=True,
        help_text=_("How many SMS parts the text takes (70 characters for one, 67 for each "
                    "part of a longer text); empty for other channels."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempted_at = models.DateTimeField(
        _("last attempt"), null=True, blank=True,
        help_text=_("When the last attempt to send it began."),
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    #: Webhook rows only: the endpoint it is posted to (docs/api-webhooks.md).
    webhook_endpoint = models.ForeignKey(
        "WebhookEndpoint", models.CASCADE, null=True, blank=True, related_name="outbox_rows",
        verbose_name=_("webhook endpoint"),
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="in_app") | Q(recipient__isnull=False),
                name="notification_in_app_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(channel="in_app") | ~Q(address=""),
                name="notification_external_has_address",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "send_after"), name="notification_due"),
            models.Index(fields=("recipient", "channel", "read_at"), name="notification_inbox"),
            # The inbox page: one person's in-app messages, newest first.
            models.Index(fields=("recipient", "channel", "-created_at", "-id"),
                         name="notification_inbox_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"


# --- Webhooks (docs/api-webhooks.md) ----------------------------------------------------------


class WebhookEndpoint(models.Model):
    """An integrating system's URL, registered by an administrator, and the events it wants.

    Each event is an outbox row (``Notification`` of the channel ``webhook``) per active
    endpoint subscribed to it, posted as JSON and signed with ``secret``. The event names are
    the domain apps' (``issues.webhooks``, ``sessions.webhooks``); this app only lists them.
    """

    class Event(models.TextChoices):
        ISSUE_SUBMITTED = "issue.submitted", _("Issue submitted")
        ISSUE_DISPATCHED = "issue.dispatched", _("Issue dispatched")
        ISSUE_ANSWERED = "issue.answered", _("Issue answered")
        ISSUE_RATED = "issue.rated", _("Issue rated")
        ISSUE_CLOSED = "issue.closed", _("Issue closed")
        SESSION_PLANNED = "session.planned", _("Session planned")
        SESSION_HELD = "session.held", _("Session held")

    name = models.CharField(_("name"), max_length=100,
                            help_text=_("The integrating system, as the administrators know it."))
    url = models.URLField(_("URL"), max_length=500, help_text=_(
        "Where the events are posted: http or https; never a link-local or cloud metadata "
        "address."))
    secret = models.CharField(_("secret"), max_length=100, help_text=_(
        "The key of each delivery's signature (HMAC-SHA256). Give it to the integrating "
        "system through a safe channel."))
    events = models.JSONField(_("events"), default=list, blank=True,
                              help_text=_("The events this endpoint receives."))
    active = models.BooleanField(_("active"), default=True, help_text=_(
        "An inactive endpoint receives no new events; its undelivered ones fail."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def receives(self, event: str) -> bool:
        return self.active and event in self.events


class WebhookDelivery(models.Model):
    """One attempt to post one webhook row: what the endpoint answered, or why it did not."""

    notification = models.ForeignKey(
        Notification, models.CASCADE, related_name="webhook_attempts",
        verbose_name=_("outbox row"),
    )
    endpoint = models.ForeignKey(WebhookEndpoint, models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    event = models.CharField(_("event"), max_length=40)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True,
                                        help_text=_("The first 500 characters of the answer."))
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# --- DingTalk work notices: each official's own choice (docs/api-channels.md) -------------


class ChannelPreference(models.Model):
    """One person's choice to have their in-app messages mirrored to DingTalk work notices.

    Written only by ``notifications.services.channel_preference_save`` (the officials' page
    ``/inbox/settings/``); read by ``notification_create`` when it writes an in-app row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="channel_preference",
        verbose_name=_("person"),
    )
    dingtalk_userid = models.CharField(
        _("DingTalk user id"), max_length=64, blank=True,
        help_text=_("Your user id in DingTalk (浙政钉), as your organisation's administrator "
                    "sees it in the address book."),
    )
    dingtalk_enabled = models.BooleanField(_("send my messages to DingTalk"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def mirrors_to_dingtalk(self) -> bool:
        return self.dingtalk_enabled and bool(self.dingtalk_userid)
