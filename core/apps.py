from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Heartbeat (shows that beat and a worker are running)",
        task="core.heartbeat",
        every_seconds=30,
    ),
]


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("System")

    def ready(self):
        post_migrate.connect(self.create_periodic_tasks, sender=self)

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
