"""The dashboard's receivers: the domain signals of the issue and session write paths keep
the rollup rows true (``dashboard.upkeep``), and a corrected working-day calendar queues
the recount (``dashboard.tasks``). Each receiver is one line; ``connect`` runs once, from
``DashboardConfig.ready``.
"""

from core.signals import working_calendar_changed
from dashboard import tasks, upkeep
from issues.signals import assistance_changed, issue_changed
from sessions.signals import place_changed, session_changed


def _issue_changed(sender, issue, before, **kwargs):
    upkeep.issue_changed(issue=issue, before=before)


def _assistance_changed(sender, assistance, added, **kwargs):
    upkeep.assistance_changed(assistance=assistance, added=added)


def _session_changed(sender, session, before, **kwargs):
    upkeep.session_changed(session=session, before=before)


def _place_changed(sender, place, before, deleted=False, **kwargs):
    upkeep.place_changed(place=place, before=before, deleted=deleted)


def _calendar_changed(sender, **kwargs):
    tasks.queue_rebuild()


def connect() -> None:
    issue_changed.connect(_issue_changed, dispatch_uid="dashboard.issue_changed")
    assistance_changed.connect(_assistance_changed, dispatch_uid="dashboard.assistance_changed")
    session_changed.connect(_session_changed, dispatch_uid="dashboard.session_changed")
    place_changed.connect(_place_changed, dispatch_uid="dashboard.place_changed")
    working_calendar_changed.connect(_calendar_changed,
                                     dispatch_uid="dashboard.days_to_resolve_follow_calendar")
