"""The sessions in the admin. Sessions and places change through ``sessions.services``
(which check the state, tell the people taking part and send the domain signals): a
session's plan is changed here through ``session_update``; opening, cancelling, minutes,
closing and every place are done on the session screens, so here they are read only."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyInline, ViewOnlyAdmin
from core.forms import CleanTextModelForm
from sessions import services
from sessions.models import (
    Attendance,
    Edition,
    ReminderRule,
    ReminderSent,
    SessionSeries,
    TalkSession,
)


class TalkSessionInline(ReadOnlyInline):
    model = TalkSession
    fields = ("region", "kind", "theme", "starts_at", "status")
    show_change_link = True


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("number", "theme", "week_start", "session_count")
    search_fields = ("theme", "=number")
    date_hierarchy = "week_start"
    inlines = (TalkSessionInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_session_count=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="_session_count")
    def session_count(self, edition):
        return edition._session_count


@admin.register(SessionSeries)
class SessionSeriesAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "kind", "weekday", "start_time", "venue", "on_holiday",
                    "is_active")
    list_filter = ("region", "kind", "weekday", "on_holiday", "is_active")
    search_fields = ("name", "venue")
    autocomplete_fields = ("host",)
    filter_horizontal = ("departments",)


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ("entrepreneur", "status", "registered_at", "checked_in_at")


class TalkSessionForm(CleanTextModelForm):
    """Refuses what ``session_update`` would refuse, so the reason shows on the form."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.check_session_update(
                    session=self.instance, venue=cleaned["venue"], host=cleaned.get("host"),
                    starts_at=cleaned["starts_at"], ends_at=cleaned["ends_at"],
                    capacity=cleaned["capacity"])
            except services.SessionError as error:
                raise ValidationError(error.message) from None
        return cleaned


@admin.register(TalkSession)
class TalkSessionAdmin(admin.ModelAdmin):
    """A session's plan (theme, kind, time, venue, capacity, host, departments) is changed
    through ``sessions.services.session_update``; sessions are planned on the session
    screens and cancelled there, never deleted."""

    list_display = ("theme", "edition", "region", "kind", "starts_at", "status", "attended",
                    "capacity", "attendee_count", "issue_count")
    list_filter = ("status", "kind", "region")
    list_select_related = ("edition", "region")
    search_fields = ("theme", "venue", "=edition__number")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("host",)
    filter_horizontal = ("departments",)
    inlines = (AttendanceInline,)
    form = TalkSessionForm
    # Opening, cancelling, the minutes and closing go through the session screens
    # (sessions.services), which tell the people taking part and fix the counts.
    readonly_fields = ("edition", "region", "series", "series_date", "status", "minutes",
                       "cancel_reason", "attendee_count", "issue_count", "closed_at",
                       "closed_by", "sequence", "created_by", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.session_update(
            actor=request.user, session=obj, theme=data["theme"], kind=data["kind"],
            venue=data["venue"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            capacity=data["capacity"], host=data.get("host"), departments=data["departments"])

    def save_related(self, request, form, formsets, change):
        """Not ``form.save_m2m()``: ``session_update`` set the departments. (The inlines are
        read only: saving them writes nothing.)"""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _attended=Count("attendances", filter=Q(attendances__status="attended"))
        )

    @admin.display(description=_("attended"), ordering="_attended")
    def attended(self, session):
        return session._attended


@admin.register(Attendance)
class AttendanceAdmin(ViewOnlyAdmin):
    """Places change on the session screens (registering, check-in, cancelling), through
    ``sessions.services``, which keep the waiting list and the figures true."""

    list_display = ("entrepreneur", "session", "status", "registered_at", "checked_in_at",
                    "check_in_method", "rating")
    list_filter = ("status", "check_in_method", "session__region")
    list_select_related = ("entrepreneur__enterprise", "session__region")
    search_fields = ("entrepreneur__name", "entrepreneur__mobile", "session__theme")


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    """When people are reminded of a session: add, change or pause reminders here."""

    list_display = ("name", "minutes_before", "is_active")
    list_editable = ("minutes_before", "is_active")
    list_display_links = ("name",)


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    """The reminder queue's own marks: read only (the messages are in the outbox)."""

    list_display = ("session", "rule", "starts_at", "superseded", "created_at")
    list_filter = ("rule", "superseded")
    list_select_related = ("session__region", "rule")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
