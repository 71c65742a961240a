"""``{% outbox_counts as counts %}``: the outbox's rows per status, for the admin's home page
(templates/admin/index.html), where failed rows wait for an administrator."""

from django import template

from notifications.models import Notification
from notifications.selectors import outbox_counts as count_by_status

register = template.Library()


@register.simple_tag
def outbox_counts() -> dict[str, int]:
    S = Notification.Status
    return count_by_status(statuses=(S.FAILED, S.SENDING, S.PENDING))
