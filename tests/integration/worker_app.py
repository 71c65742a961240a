"""The project's Celery app for a test worker: same tasks and settings, private broker folders.

``celery -A tests.integration.worker_app worker`` with HZ_TEST_BROKER_FOLDER set keeps the
filesystem broker's messages in that folder instead of var/celery, so a demo worker running
from the same checkout can neither steal the test's messages nor be handed them.
"""

import os

from huzhou_talks.celery import app

_folder = os.environ.get("HZ_TEST_BROKER_FOLDER")
if _folder:
    app.conf.broker_transport_options = {
        "data_folder_in": os.path.join(_folder, "queue"),
        "data_folder_out": os.path.join(_folder, "queue"),
        "processed_folder": os.path.join(_folder, "processed"),
        "control_folder": os.path.join(_folder, "control"),
        "store_processed": False,
    }

__all__ = ["app"]
