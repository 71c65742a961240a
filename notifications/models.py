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
