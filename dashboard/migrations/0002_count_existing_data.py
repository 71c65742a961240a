"""Count the issues and attendances already in the database into the new rollup rows
(nothing to do on a new database)."""

from django.db import migrations


def count_existing(apps, schema_editor):
    if not (apps.get_model("issues", "Issue").objects.exists()
            or apps.get_model("talk_sessions", "Attendance").objects.exists()):
        return
    from dashboard.rollups import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("issues", "0003_list_indexes"),
        ("talk_sessions", "0003_default_reminders"),
    ]

    operations = [migrations.RunPython(count_existing, migrations.RunPython.noop)]
