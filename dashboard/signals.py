"""The receivers that keep the rollup rows true; each is one line into ``rollups``."""

from django.db.models.signals import post_delete, post_init, post_save, pre_save

from core.signals import working_calendar_changed
from issues.models import AssistingDepartment, Issue
from sessions.models import Attendance, TalkSession


def _issue_loaded(sender, instance, **kwargs):
    from dashboard import rollups

    rollups.remember(instance)


def _issue_saving(sender, instance, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.issue_saving(instance)


def _issue_saved(sender, instance, created, update_fields, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.issue_saved(instance, created=created, update_fields=update_fields)


def _issue_deleted(sender, instance, **kwargs):
    from dashboard import rollups

    values = getattr(instance, "_rollup_values", None)
    if values is not None:
        rollups.add_to_rollup(rollups.contribution(values), None)


def _assistance_saved(sender, instance, created, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.assistance_saved(instance, created=created)


def _assistance_deleted(sender, instance, **kwargs):
    from dashboard import rollups

    rollups.assistance_deleted(instance)


def _session_loaded(sender, instance, **kwargs):
    from dashboard import rollups

    rollups.remember_session(instance)


def _session_saving(sender, instance, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.session_saving(instance)


def _session_saved(sender, instance, created, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.session_saved(instance, created=created)


def _place_loaded(sender, instance, **kwargs):
    from dashboard import rollups

    rollups.remember_place(instance)


def _place_saved(sender, instance, created, raw=False, **kwargs):
    from dashboard import rollups

    if not raw:
        rollups.place_saved(instance, created=created)


def _place_deleted(sender, instance, **kwargs):
    from dashboard import rollups

    rollups.place_deleted(instance)


def _calendar_changed(sender, **kwargs):
    from dashboard import tasks

    tasks.queue_rebuild()


def connect() -> None:
    post_init.connect(_issue_loaded, sender=Issue, dispatch_uid="dashboard.issue_loaded")
    pre_save.connect(_issue_saving, sender=Issue, dispatch_uid="dashboard.issue_saving")
    post_save.connect(_issue_saved, sender=Issue, dispatch_uid="dashboard.issue_saved")
    post_delete.connect(_issue_deleted, sender=Issue, dispatch_uid="dashboard.issue_deleted")
    post_save.connect(_assistance_saved, sender=AssistingDepartment,
                      dispatch_uid="dashboard.assistance_saved")
    post_delete.connect(_assistance_deleted, sender=AssistingDepartment,
                        dispatch_uid="dashboard.assistance_deleted")
    post_init.connect(_session_loaded, sender=TalkSession,
                      dispatch_uid="dashboard.session_loaded")
    pre_save.connect(_session_saving, sender=TalkSession,
                     dispatch_uid="dashboard.session_saving")
    post_save.connect(_session_saved, sender=TalkSession, dispatch_uid="dashboard.session_saved")
    post_init.connect(_place_loaded, sender=Attendance, dispatch_uid="dashboard.place_loaded")
    post_save.connect(_place_saved, sender=Attendance, dispatch_uid="dashboard.place_saved")
    post_delete.connect(_place_deleted, sender=Attendance, dispatch_uid="dashboard.place_deleted")
    working_calendar_changed.connect(_calendar_changed,
                                     dispatch_uid="dashboard.days_to_resolve_follow_calendar")
