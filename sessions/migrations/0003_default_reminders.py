"""The two reminders the programme sends by default: two days and two hours before.

Configuration, not demo data: administrators change or add reminders in the admin.
"""

from django.db import migrations

DEFAULTS = [("两天前提醒 · two days before", 2 * 24 * 60), ("两小时前提醒 · two hours before", 120)]


def create_defaults(apps, schema_editor):
    ReminderRule = apps.get_model("talk_sessions", "ReminderRule")
    for name, minutes in DEFAULTS:
        ReminderRule.objects.get_or_create(minutes_before=minutes, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("talk_sessions", "0002_session_lifecycle")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
