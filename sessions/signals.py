"""Named domain signals sent by the session write paths (``sessions.services``), so that a
reader of a write sees who else reacts. Receivers live in the apps above (the dashboard's
rollups); ``sessions`` never imports them.

Each is sent inside the writer's transaction, after the row is saved or deleted.
"""

from django.dispatch import Signal

#: A session was created, or its status, time or region changed (held, cancelled, moved).
#: ``session``: the saved ``TalkSession``; ``before``: its values as the writer loaded it
#: (``core.signals.snapshot``), or ``None`` when created.
session_changed = Signal()

#: A place (``Attendance``) was created, changed or deleted. ``place``: the instance;
#: ``before``: its values as the writer loaded it, or ``None`` when created;
#: ``deleted``: True when the row is gone.
place_changed = Signal()
