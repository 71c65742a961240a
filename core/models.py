"""Small building blocks shared by every app; nothing here knows the domain."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin:
    """Reference data keeps its Chinese name and an English one; show the one that fits."""

    @property
    def display_name(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and getattr(self, "name_en", ""):
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.display_name


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (beat → worker)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day whose status the coordinators set by hand, overriding the holiday library.

    The State Council publishes each year's holidays and make-up working days (调休) late
    in the year before; until the ``chinese-calendar`` library ships them, or where it is
    wrong, a row here decides. Change rows through ``core.services`` so that open issues'
    due dates are recomputed.
    """

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a working day (e.g. a make-up working day on a weekend). "
                    "Not ticked: a day off (e.g. a public holiday on a weekday)."),
    )
    note = models.CharField(_("note"), max_length=100, blank=True,
                            help_text=_("For example 国庆节 or 调休上班."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ("day",)
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return self.day.isoformat()
