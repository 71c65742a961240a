from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Session reminders (as set under Talk sessions › Session reminders)",
        task="sessions.send_reminders",
        every_seconds=5 * 60,
    ),
    PeriodicTaskSpec(
        name="Plan the coming weeks of every weekly session series",
        task="sessions.generate_series",
        crontab="0 2 * * *",
    ),
]


class TalkSessionsConfig(AppConfig):
    """The package is called ``sessions``; the label avoids django.contrib.sessions'."""

    name = "sessions"
    label = "talk_sessions"
    verbose_name = _("Talk sessions")

    def ready(self):
        from sessions.webhooks import connect as connect_webhooks

        post_migrate.connect(self.create_periodic_tasks, sender=self)
        connect_webhooks()

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
