"""Signals core sends to the apps above it, which core itself never imports, and the one
helper every domain signal uses to say what a row held before a write."""

from django.dispatch import Signal

#: The working-day calendar changed. Sent once the change is committed, with
#: ``days``: the dates whose status changed (a list of ``datetime.date``).
working_calendar_changed = Signal()


def snapshot(instance) -> dict:
    """The row's stored values as a writer loaded it: attname → value for every concrete
    field. A writer takes it before changing the instance and passes it as ``before``."""
    return {field.attname: getattr(instance, field.attname)
            for field in instance._meta.concrete_fields}
