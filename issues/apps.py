from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.periodic import PeriodicTaskSpec, ensure_periodic_tasks

PERIODIC_TASKS = [
    PeriodicTaskSpec(
        name="Issue follow-up (reminders, overdue ladder, rating requests)",
        task="issues.follow_up",
        every_seconds=15 * 60,
    ),
    PeriodicTaskSpec(
        name="Recompute open issues' due dates from the working-day calendar",
        task="issues.recompute_due_dates",
        crontab="30 1 * * *",
    ),
]


class IssuesConfig(AppConfig):
    name = "issues"
    verbose_name = _("Issues")

    def ready(self):
        from core.signals import working_calendar_changed
        from entrepreneurs.signals import enterprise_merged
        from issues.services import on_enterprise_merged
        from issues.tasks import on_working_calendar_changed
        from issues.webhooks import connect as connect_webhooks

        post_migrate.connect(self.create_periodic_tasks, sender=self)
        connect_webhooks()
        working_calendar_changed.connect(
            on_working_calendar_changed, dispatch_uid="issues.due_dates_follow_the_calendar"
        )
        enterprise_merged.connect(
            on_enterprise_merged, dispatch_uid="issues.issues_follow_a_merged_enterprise"
        )

    def create_periodic_tasks(self, **kwargs):
        ensure_periodic_tasks(PERIODIC_TASKS)
