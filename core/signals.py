"""Signals core sends to the apps above it, which core itself never imports."""

from django.dispatch import Signal

#: The working-day calendar changed. Sent once the change is committed, with
#: ``days``: the dates whose status changed (a list of ``datetime.date``).
working_calendar_changed = Signal()
