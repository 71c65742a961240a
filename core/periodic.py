"""Default periodic tasks, created once and then editable in the admin.

Each app names its periodic tasks in its AppConfig; after ``migrate`` the ones
missing from django-celery-beat's tables are created. Existing rows are never
overwritten, so a schedule an administrator changed stays changed.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    description: str = ""


def ensure_periodic_tasks(specs, **_kwargs) -> int:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask  # noqa: PLC0415 (models: needs the app registry; apps.py imports this module)

    created = 0
    for spec in specs:
        if PeriodicTask.objects.filter(name=spec.name).exists():
            continue
        fields = {"name": spec.name, "task": spec.task, "description": spec.description}
        if spec.every_seconds:
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=spec.every_seconds, period=IntervalSchedule.SECONDS
            )
        else:
            minute, hour, day_of_month, month_of_year, day_of_week = spec.crontab.split()
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_month=day_of_month,
                month_of_year=month_of_year,
                day_of_week=day_of_week,
                timezone="Asia/Shanghai",
            )
        PeriodicTask.objects.create(**fields)
        created += 1
    return created
