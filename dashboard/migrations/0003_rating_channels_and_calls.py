"""The satisfaction split by the rating's channel, and the 回访 (follow-up call) count.

Every rating stored before this release was given online (``issues`` 0005 says so of
each issue's latest rating) and no call was recorded yet, so the rows already counted
move to the online columns as they are: the rows stay equal to a fresh count."""

from django.db import migrations, models
from django.db.models import F


def ratings_so_far_were_online(apps, schema_editor):
    for name in ("IssueRollup", "IssueSummaryRollup"):
        apps.get_model("dashboard", name).objects.update(rated_online=F("rated"),
                                                         satisfied_online=F("satisfied"))


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0002_count_existing_data'),
        ('issues', '0005_answers_sign_off_calls_rating_channels'),
    ]

    operations = [
        migrations.AddField(
            model_name='issuerollup',
            name='called',
            field=models.IntegerField(default=0, verbose_name='resolved and reached by a follow-up call'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='rated_link',
            field=models.IntegerField(default=0, verbose_name='rated by the SMS link'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='rated_online',
            field=models.IntegerField(default=0, verbose_name='rated online'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='rated_phone',
            field=models.IntegerField(default=0, verbose_name='rated by phone'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='satisfied_link',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated by the SMS link'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='satisfied_online',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated online'),
        ),
        migrations.AddField(
            model_name='issuerollup',
            name='satisfied_phone',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated by phone'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='called',
            field=models.IntegerField(default=0, verbose_name='resolved and reached by a follow-up call'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='rated_link',
            field=models.IntegerField(default=0, verbose_name='rated by the SMS link'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='rated_online',
            field=models.IntegerField(default=0, verbose_name='rated online'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='rated_phone',
            field=models.IntegerField(default=0, verbose_name='rated by phone'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='satisfied_link',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated by the SMS link'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='satisfied_online',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated online'),
        ),
        migrations.AddField(
            model_name='issuesummaryrollup',
            name='satisfied_phone',
            field=models.IntegerField(default=0, verbose_name='satisfied, rated by phone'),
        ),
        migrations.RunPython(ratings_so_far_were_online, migrations.RunPython.noop),
    ]
