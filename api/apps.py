from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Forget the API's idempotency keys after a day",
        task="api.purge_idempotency_keys",
        crontab="15 3 * * *",
    ),
]


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Interfaces to other systems")

    def ready(self):
        post_migrate.connect(self.create_periodic_tasks, sender=self)

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
