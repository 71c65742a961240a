"""The reminder queue: each session still to come is reminded once per active reminder
rule and start time (run by the beat every five minutes)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sessions import notices
from sessions.models import ReminderRule, ReminderSent, TalkSession


def session_reminders_send(*, now: datetime | None = None) -> int:
    """The reminder queue (beat, every five minutes): each session still to come is
    reminded once per active reminder and start time.

    When several reminders are due at once (the queue was down, or the session was planned
    late) only the latest is sent; the earlier are marked passed over. A moved session is
    reminded again for its new time. An idle run is two queries. Returns sessions reminded.
    """
    now = now or timezone.now()
    rules = list(ReminderRule.objects.filter(is_active=True).order_by("minutes_before"))
    if not rules:
        return 0
    due = Q()
    for rule in rules:
        sent = ReminderSent.objects.filter(session=OuterRef("pk"), rule=rule,
                                           starts_at=OuterRef("starts_at"))
        due |= Q(starts_at__lte=now + timedelta(minutes=rule.minutes_before)) & ~Q(Exists(sent))
    candidates = TalkSession.objects.filter(
        due, status__in=TalkSession.UPCOMING_STATUSES, starts_at__gt=now,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(candidates):
        reminded += _remind(pk, rules, now)
    return reminded


@transaction.atomic
def _remind(pk: int, rules: list[ReminderRule], now: datetime) -> int:
    session = TalkSession.objects.select_for_update(of=("self",)).select_related(
        "region", "host__user").filter(
        pk=pk, status__in=TalkSession.UPCOMING_STATUSES, starts_at__gt=now).first()
    if session is None:
        return 0
    due = [rule for rule in rules
           if session.starts_at <= now + timedelta(minutes=rule.minutes_before)]
    if not due:  # moved later since the queue found it due
        return 0
    done = set(ReminderSent.objects.filter(session=session, starts_at=session.starts_at)
               .values_list("rule_id", flat=True))
    latest = due[0]  # the smallest lead among those due
    send = latest.pk not in done
    ReminderSent.objects.bulk_create([
        ReminderSent(session=session, rule=rule, starts_at=session.starts_at,
                     superseded=rule is not latest)
        for rule in due if rule.pk not in done
    ])
    if send:
        notices.reminder(session=session, rule_pk=latest.pk)
    return int(send)
