"""Named domain signals sent by the issue write paths (``issues.workflow`` and the services
it calls), so that a reader of a write sees who else reacts. Receivers live in the apps
above (the dashboard's rollups); ``issues`` never imports them.

Each is sent inside the writer's transaction, after the row is saved, with
``sender=Issue`` or ``sender=AssistingDepartment``.
"""

from django.dispatch import Signal

#: An issue was created or changed. ``issue``: the saved instance; ``before``: the row's
#: values as the writer loaded it (``core.signals.snapshot``), or ``None`` when created.
issue_changed = Signal()

#: A department began or stopped assisting an issue. ``assistance``: the
#: ``AssistingDepartment`` row; ``added``: True when created, False when deleted.
assistance_changed = Signal()
