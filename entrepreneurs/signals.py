"""Named domain signals sent by ``entrepreneurs.services``, so that the apps above that
point at an enterprise follow it; ``entrepreneurs`` never imports them.

Each is sent inside the writer's transaction, with ``sender=Enterprise``.
"""

from django.dispatch import Signal

#: A provisional enterprise (added at the door) was merged into an existing one: its people
#: have moved, and rows pointing at ``source_id`` must point at ``target_id`` before the
#: source row is deleted, in the same transaction. ``source_id``, ``target_id``: primary keys.
enterprise_merged = Signal()
