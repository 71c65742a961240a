"""The soak's notification accounting: the outbox rows of the run (pending when it started,
or written since), waited for until sent, counted by status and channel, and paired with
what the mail and SMS backends delivered (``soak_support.match_deliveries``)."""

import time
from collections import Counter
from pathlib import Path

from soak_support import delivered_mail, delivered_sms, match_deliveries

#: Statuses a row does not leave by itself (the rest, "pending" and any "in doubt", do).
FINAL = {"sent", "failed", "cancelled"}


def outbox_snapshot():
    """The time the run starts and the rows pending then (they are the run's to send too)."""
    from django.utils import timezone

    from notifications.models import Notification

    return timezone.now(), set(Notification.objects.filter(status="pending")
                               .values_list("pk", flat=True))


def _rows(started_at, pending_at_start):
    from django.db.models import Q

    from notifications.models import Notification

    return Notification.objects.filter(Q(created_at__gte=started_at) | Q(pk__in=pending_at_start))


def _idempotency():
    """``notifications.backends.outbox_key`` where the backends are given the row's key."""
    from notifications import backends

    return getattr(backends, "outbox_key", None)


def notification_report(started_at, pending_at_start, folder: Path, *, timeout: float) -> dict:
    from django.db import close_old_connections
    from django.utils import timezone

    began = time.monotonic()
    print(f"\nWaiting up to {timeout:.0f} s for the outbox rows of the run to be sent…",
          flush=True)
    while True:
        close_old_connections()
        now = timezone.now()
        waiting = (_rows(started_at, pending_at_start).exclude(status__in=FINAL)
                   .filter(send_after__lte=now).count())
        if not waiting or time.monotonic() - began > timeout:
            break
        time.sleep(5)
    drained_in = time.monotonic() - began
    rows = list(_rows(started_at, pending_at_start).values(
        "key", "channel", "status", "address", "subject", "body", "send_after"))
    by_status = Counter(row["status"] for row in rows)
    by_channel = Counter((row["channel"], row["status"]) for row in rows)
    later = [row for row in rows if row["status"] not in FINAL and row["send_after"] > now]
    due = [row for row in rows if row not in later]
    sent = [row for row in due if row["status"] == "sent"]
    key_of = _idempotency()
    external = [{**row, "idempotency": key_of(row["key"]) if key_of else None}
                for row in sent if row["channel"] in ("email", "sms")]
    deliveries = delivered_mail(folder / "mail") + delivered_sms(folder / "sms.jsonl")
    matched = match_deliveries(external, deliveries)
    exactly_once = (matched["delivered_once"] == matched["rows"] and not matched["twice_count"]
                    and not matched["unknown_count"])
    return {
        "drained_in_s": round(drained_in, 1), "rows": len(rows), "due": len(due),
        "scheduled_later": len(later), "by_status": dict(by_status),
        "by_channel": {f"{c} {s}": n for (c, s), n in sorted(by_channel.items())},
        "pending_at_start": len(pending_at_start), "deliveries": matched,
        "all_sent": len(sent) == len(due),
        "summary": (f"{len(due)} rows due (of them {len(pending_at_start)} pending at the "
                    f"start), {len(sent)} sent, by status {dict(by_status)}; "
                    f"{len(later)} scheduled for later; drained in {drained_in:.0f} s"),
        "exactly_once": exactly_once,
        "delivery_summary": (
            f"{matched['rows']} email/SMS rows sent, {matched['deliveries']} delivered "
            f"(matched by {matched['matched_by']}): {matched['delivered_once']} once, "
            f"{matched['twice_count']} extra deliveries, {matched['unknown_count']} "
            f"without a row, {len(matched['never_delivered'])} rows never delivered"),
    }
