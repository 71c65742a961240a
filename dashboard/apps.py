from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Recount the dashboard's rollup rows",
        task="dashboard.rebuild_rollups",
        crontab="30 2 * * *",
    ),
]


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self):
        from dashboard import signals

        signals.connect()
        post_migrate.connect(self.create_periodic_tasks, sender=self)

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
