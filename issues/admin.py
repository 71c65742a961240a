"""The admin of the issues app. Categories are edited here; everything else is read-only
(``ViewOnlyAdmin`` and read-only inlines): an issue changes only through the workflow
(``issues.workflow``), which writes its timeline and tells the dashboard, so the admin has
no change, add or delete path and writes no ``status``."""

from django.contrib import admin

from core.admin import ReadOnlyInline, ViewOnlyAdmin
from issues.models import (
    AssistingDepartment,
    Attachment,
    Category,
    ExtensionRequest,
    Issue,
    IssueEvent,
    IssueSequence,
    SatisfactionRating,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "default_department", "accept_limit_days",
                    "resolve_limit_days", "sort_order")
    list_select_related = ("default_department__region",)
    search_fields = ("name", "name_en", "code")
    autocomplete_fields = ("default_department",)


class IssueEventInline(ReadOnlyInline):
    model = IssueEvent
    fields = ("created_at", "kind", "actor", "from_status", "to_status", "round", "message",
              "is_public")


class RatingInline(ReadOnlyInline):
    model = SatisfactionRating
    fields = ("round", "value", "reason", "comment", "rated_at")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")


class AssistingDepartmentInline(ReadOnlyInline):
    model = AssistingDepartment
    fields = ("department", "resolve_limit_days", "due_on", "created_at")


class ExtensionRequestInline(ReadOnlyInline):
    model = ExtensionRequest
    fields = ("round", "days", "reason", "requested_by", "requested_at", "status", "decided_by",
              "decision_note")


@admin.register(Issue)
class IssueAdmin(ViewOnlyAdmin):
    """Read-only: every change to an issue goes through the workflow, which writes the timeline."""

    list_display = ("reference", "title", "category", "region", "status", "lead_department",
                    "due_on", "escalation", "latest_rating", "submitted_at")
    list_filter = ("status", "escalation", "category", "region", "source", "latest_rating")
    list_select_related = ("category", "region", "lead_department")
    search_fields = ("=reference", "title", "enterprise__name", "entrepreneur__name")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    inlines = (AssistingDepartmentInline, ExtensionRequestInline, AttachmentInline, RatingInline,
               IssueEventInline)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ViewOnlyAdmin):
    """Requests for more time; decided on the issue page, through the workflow."""

    list_display = ("issue", "round", "days", "status", "requested_by", "requested_at",
                    "decided_by")
    list_filter = ("status",)
    list_select_related = ("issue", "requested_by", "decided_by")
    search_fields = ("=issue__reference", "reason")
    show_full_result_count = False


@admin.register(IssueEvent)
class IssueEventAdmin(ViewOnlyAdmin):
    list_display = ("issue", "kind", "actor", "from_status", "to_status", "round", "created_at")
    list_filter = ("kind", "is_public")
    list_select_related = ("issue", "actor")
    search_fields = ("=issue__reference", "message")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(ViewOnlyAdmin):
    list_display = ("issue", "round", "value", "reason", "rated_at")
    list_filter = ("value", "reason")
    list_select_related = ("issue",)
    search_fields = ("=issue__reference", "comment")
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ViewOnlyAdmin):
    """Metadata only: the files themselves are served by a view that checks access (issue 4)."""

    list_display = ("original_name", "issue", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("content_type",)
    list_select_related = ("issue", "uploaded_by")
    search_fields = ("=issue__reference", "original_name", "=sha256")
    date_hierarchy = "uploaded_at"
    show_full_result_count = False
    fields = ("issue", "original_name", "content_type", "size", "sha256", "uploaded_by",
              "uploaded_at")


@admin.register(IssueSequence)
class IssueSequenceAdmin(ViewOnlyAdmin):
    list_display = ("year", "last_number")
