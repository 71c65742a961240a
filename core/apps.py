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
        # django.contrib.admin comes first in INSTALLED_APPS, so its ready() has loaded
        # every app's admin module by now: each form of the admin gets the clean-text check.
        from django.contrib import admin

        from core.admin import guard_admin_site

        guard_admin_site(admin.site)

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
