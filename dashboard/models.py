"""Rollup tables: the headline figures of issues, summed per month, region, category and
department, so that the dashboard adds up a few thousand rows instead of counting a
million issues.

What each issue contributes is defined in ``dashboard.definitions``; ``dashboard.upkeep``
keeps these rows equal to a fresh count (every write path's domain signal moves its
contribution in the same transaction) and ``dashboard.rollups`` recounts them. Nothing
else writes them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IssueMeasures(models.Model):
    """The numbers an issue rollup row holds (``dashboard.definitions.MEASURES``)."""

    collected = models.IntegerField(_("collected"), default=0)
    valid = models.IntegerField(_("valid"), default=0)
    open = models.IntegerField(_("open"), default=0)
    dispatched = models.IntegerField(pgettext_lazy("count of issues", "dispatched"),
                                     default=0)
    responded = models.IntegerField(_("accepted in time"), default=0)
    resolved = models.IntegerField(_("resolved"), default=0)
    on_time = models.IntegerField(_("resolved by the due date"), default=0)
    resolve_days = models.BigIntegerField(_("working days to resolve, summed"), default=0)
    rated = models.IntegerField(pgettext_lazy("count of issues", "rated"), default=0)
    satisfied = models.IntegerField(_("satisfied or basically satisfied"), default=0)
    # The latest ratings split by their channel (online, by the SMS link, by phone).
    rated_online = models.IntegerField(_("rated online"), default=0)
    satisfied_online = models.IntegerField(_("satisfied, rated online"), default=0)
    rated_link = models.IntegerField(_("rated by the SMS link"), default=0)
    satisfied_link = models.IntegerField(_("satisfied, rated by the SMS link"), default=0)
    rated_phone = models.IntegerField(_("rated by phone"), default=0)
    satisfied_phone = models.IntegerField(_("satisfied, rated by phone"), default=0)
    called = models.IntegerField(_("resolved and reached by a follow-up call"), default=0)

    class Meta:
        abstract = True


class IssueRollup(IssueMeasures):
    """The issues submitted in one month, of one region and category, led by one
    department (0: not dispatched yet), counted by what the figures need."""

    month = models.DateField(_("month"), help_text=_("The first day of the month submitted."))
    region_id = models.IntegerField(_("region"))
    category_id = models.IntegerField(_("category"))
    #: The lead department's id, 0 while there is none (a plain integer, so that the
    #: unique key has no NULL in it).
    department_id = models.IntegerField(_("lead department"))

    class Meta:
        verbose_name = _("issue rollup")
        verbose_name_plural = _("issue rollups")
        constraints = [
            models.UniqueConstraint(
                fields=("month", "region_id", "category_id", "department_id"),
                name="issue_rollup_key",
            ),
        ]
        indexes = [
            models.Index(fields=("region_id", "month"), name="issue_rollup_region_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.region_id} c{self.category_id} d{self.department_id}"


class IssueSummaryRollup(IssueMeasures):
    """``IssueRollup`` added up over the departments: the same numbers per month, region
    and category, a few thousand rows for a province, for every page that does not look
    at departments."""

    month = models.DateField(_("month"))
    region_id = models.IntegerField(_("region"))
    category_id = models.IntegerField(_("category"))

    class Meta:
        verbose_name = _("issue summary rollup")
        verbose_name_plural = _("issue summary rollups")
        constraints = [
            models.UniqueConstraint(fields=("month", "region_id", "category_id"),
                                    name="issue_summary_rollup_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.region_id} c{self.category_id}"


class AssistRollup(models.Model):
    """How many issues of one month, region and category a department assists (协办)."""

    month = models.DateField(_("month"))
    region_id = models.IntegerField(_("region"))
    category_id = models.IntegerField(_("category"))
    department_id = models.IntegerField(_("assisting department"))
    assisted = models.IntegerField(_("assisted"), default=0)

    class Meta:
        verbose_name = _("assistance rollup")
        verbose_name_plural = _("assistance rollups")
        constraints = [
            models.UniqueConstraint(
                fields=("month", "region_id", "category_id", "department_id"),
                name="assist_rollup_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} r{self.region_id} c{self.category_id} d{self.department_id}"


class AttendeeRollup(models.Model):
    """How many times one entrepreneur attended a held session of one region, and (on the
    row with ``region_id`` 0) of any region: the all-time count of distinct entrepreneurs
    is a count of these rows, which cannot be summed over months."""

    region_id = models.IntegerField(_("region"), help_text=_("0: every region together."))
    entrepreneur_id = models.BigIntegerField(_("entrepreneur"))
    attended = models.IntegerField(_("attendances"), default=0)

    class Meta:
        verbose_name = _("attendee rollup")
        verbose_name_plural = _("attendee rollups")
        constraints = [
            models.UniqueConstraint(fields=("region_id", "entrepreneur_id"),
                                    name="attendee_rollup_key"),
        ]
        indexes = [
            # The distinct entrepreneurs of a region: an index-only count of its people.
            models.Index(fields=("region_id",), name="attendee_rollup_present",
                         condition=models.Q(attended__gt=0)),
        ]


class AttendanceMonthRollup(models.Model):
    """Attendances at the held sessions of one region in one month."""

    month = models.DateField(_("month"))
    region_id = models.IntegerField(_("region"))
    attended = models.IntegerField(_("attendances"), default=0)

    class Meta:
        verbose_name = _("attendance rollup")
        verbose_name_plural = _("attendance rollups")
        constraints = [
            models.UniqueConstraint(fields=("month", "region_id"),
                                    name="attendance_month_rollup_key"),
        ]
