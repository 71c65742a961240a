from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from sessions.models import (
    Attendance,
    Edition,
    ReminderRule,
    ReminderSent,
    SessionSeries,
    TalkSession,
)


class TalkSessionInline(admin.TabularInline):
    model = TalkSession
    fields = ("region", "kind", "theme", "starts_at", "status")
    extra = 0
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


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ("entrepreneur", "status", "registered_at", "checked_in_at")
    autocomplete_fields = ("entrepreneur",)
    extra = 0


@admin.register(TalkSession)
class TalkSessionAdmin(admin.ModelAdmin):
    list_display = ("theme", "edition", "region", "kind", "starts_at", "status", "attended",
                    "capacity", "attendee_count", "issue_count")
    list_filter = ("status", "kind", "region")
    list_select_related = ("edition", "region")
    search_fields = ("theme", "venue", "=edition__number")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("edition", "host", "series")
    filter_horizontal = ("departments",)
    inlines = (AttendanceInline,)
    # Opening, cancelling and closing go through the session screens (sessions.services),
    # which tell the people taking part and fix the counts.
    readonly_fields = ("status", "cancel_reason", "attendee_count", "issue_count", "closed_at",
                       "closed_by", "sequence", "series_date", "created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _attended=Count("attendances", filter=Q(attendances__status="attended"))
        )

    @admin.display(description=_("attended"), ordering="_attended")
    def attended(self, session):
        return session._attended


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("entrepreneur", "session", "status", "registered_at", "checked_in_at",
                    "check_in_method", "rating")
    list_filter = ("status", "check_in_method", "session__region")
    list_select_related = ("entrepreneur__enterprise", "session__region")
    search_fields = ("entrepreneur__name", "entrepreneur__mobile", "session__theme")
    autocomplete_fields = ("session", "entrepreneur")


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
