from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import CalendarDay, Heartbeat
from core.signals import working_calendar_changed
from core.workdays import library_is_working_day

#: A heartbeat older than this means beat or the worker has stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)


def record_heartbeat(*, name: str) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


def heartbeat_last_seen(*, name: str):
    """When ``name``'s heartbeat was last recorded (``None``: never); one query."""
    return Heartbeat.objects.filter(name=name).values_list("last_seen", flat=True).first()


def background_status(*, name: str = "worker") -> dict:
    """When the background worker last ran a beat-scheduled task, and whether that is recent."""
    last_seen = heartbeat_last_seen(name=name)
    if last_seen is None:
        return {"last_seen": None, "healthy": False}
    healthy = timezone.now() - last_seen < HEARTBEAT_STALE_AFTER
    return {"last_seen": last_seen, "healthy": healthy}


# The working-day calendar ---------------------------------------------------------------

MAY_NOT_SET_CALENDAR = _("Only coordinators and administrators can change the working-day "
                         "calendar.")
MAY_NOT_REMOVE_CALENDAR = _("Only coordinators and administrators can remove days from the "
                            "working-day calendar.")


def _announce_calendar_change(days: list[date]) -> None:
    """Tell the apps above (issues recomputes due dates) once the transaction commits."""
    if days:
        transaction.on_commit(
            lambda: working_calendar_changed.send(sender=CalendarDay, days=sorted(days))
        )


@transaction.atomic
def calendar_day_set(*, actor, day: date, is_working_day: bool, note: str = "") -> CalendarDay:
    """Make ``day`` a working day or a day off, whatever the holiday library says.

    Creates the day's entry or changes it. ``actor`` needs ``core.add_calendarday`` for a
    new entry and ``core.change_calendarday`` to change one (``None``: the system itself).
    If the day's status changes, ``working_calendar_changed`` is sent on commit; a change
    of the note alone changes no due date and sends nothing.
    """
    entry = CalendarDay.objects.select_for_update().filter(day=day).first()
    if entry is None:
        if actor is not None and not actor.has_perm("core.add_calendarday"):
            raise PermissionDenied(MAY_NOT_SET_CALENDAR)
        was_working = library_is_working_day(day)
        entry = CalendarDay(day=day)
    else:
        if actor is not None and not actor.has_perm("core.change_calendarday"):
            raise PermissionDenied(MAY_NOT_SET_CALENDAR)
        was_working = entry.is_working_day
    entry.is_working_day = is_working_day
    entry.note = note
    entry.updated_by = actor
    entry.full_clean(validate_unique=False)
    if entry.pk is None:
        try:
            # A savepoint: another request adding the same day first turns this into a change.
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            entry.pk = CalendarDay.objects.get(day=day).pk
            entry._state.adding = False
            was_working = None  # unknown: announce the day in any case
            entry.save(update_fields=["is_working_day", "note", "updated_by", "updated_at"])
    else:
        entry.save(update_fields=["is_working_day", "note", "updated_by", "updated_at"])
    if was_working != is_working_day:
        _announce_calendar_change([day])
    return entry


@transaction.atomic
def calendar_days_remove(*, actor, days) -> int:
    """Remove the entries of ``days``: the library decides them again. Returns how many.

    ``actor`` needs ``core.delete_calendarday`` (``None``: the system itself). One
    ``working_calendar_changed`` on commit names the days whose status changes.
    """
    if actor is not None and not actor.has_perm("core.delete_calendarday"):
        raise PermissionDenied(MAY_NOT_REMOVE_CALENDAR)
    entries = list(CalendarDay.objects.select_for_update().filter(day__in=list(days)))
    if not entries:
        return 0
    CalendarDay.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    _announce_calendar_change([
        entry.day for entry in entries
        if entry.is_working_day != library_is_working_day(entry.day)
    ])
    return len(entries)


def calendar_day_remove(*, actor, day: date) -> bool:
    """Remove ``day``'s entry, if there is one: the library decides the day again."""
    return bool(calendar_days_remove(actor=actor, days=[day]))
