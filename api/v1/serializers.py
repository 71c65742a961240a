"""What the read endpoints answer: one serializer per shape, so that every field is in the
schema (drf-spectacular reads these). Read-only: nothing here writes.

Times are ISO 8601 in the programme's time zone (``+08:00``): DRF renders an aware
datetime in the current time zone, which is ``TIME_ZONE`` (Asia/Shanghai).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from government.models import Department, Region
from issues.models import Category


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- Reference data ---------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=_("The name in Chinese."))
    name_en = serializers.CharField(help_text=_("The name in English (may be empty)."))

    class Meta:
        model = Region
        fields = ("id", "code", "division_code", "name", "name_en", "level", "parent")
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=_("The name in Chinese."))
    name_en = serializers.CharField(help_text=_("The name in English (may be empty)."))

    class Meta:
        model = Department
        fields = ("id", "code", "name", "name_en", "region", "is_active")
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(help_text=_("The name in Chinese."))
    name_en = serializers.CharField(help_text=_("The name in English (may be empty)."))

    class Meta:
        model = Category
        fields = ("id", "code", "name", "name_en", "description", "description_en",
                  "default_department", "accept_limit_days", "resolve_limit_days")
        read_only_fields = fields


class NamedSerializer(serializers.Serializer):
    """A region, category or department named in both languages, inside another object."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_("The name in Chinese."))
    name_en = serializers.CharField(help_text=_("The name in English (may be empty)."))


# --- Issues -----------------------------------------------------------------------------


class AttachmentSerializer(serializers.Serializer):
    """A file's metadata and the link to download it (the issue page's link, which checks
    the caller's right again); never the file itself."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField(help_text=_("In bytes."))
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        reference = self.context["reference"]
        return _absolute(self, reverse("issues:attachment", args=[reference, attachment.pk]))


class IssueRowSerializer(serializers.Serializer):
    """An issue as the list shows it. ``status`` is the exact workflow status for officials
    and the plain-words group (waiting, handling, answered, closed, not_taken_up,
    withdrawn) for entrepreneurs, the same values the ``status`` filter takes."""

    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.SerializerMethodField()
    status_label = serializers.CharField(help_text=_("The status in the caller's words."))
    status_group = serializers.CharField(help_text=_("The plain-words group of the status."))
    category = NamedSerializer()
    region = serializers.IntegerField(source="region_id")
    enterprise = serializers.CharField(source="enterprise.name")
    lead_department = NamedSerializer(allow_null=True)
    round = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    due_on = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()
    is_due_soon = serializers.BooleanField()
    department_part = serializers.CharField(help_text=_(
        "For a department's officials: \"lead\" or \"assisting\"; empty for anyone else."))
    url = serializers.SerializerMethodField()

    def get_status(self, issue) -> str:
        return issue.status if self.context["scope"].is_official else issue.status_group

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, issue) -> str:
        return _absolute(self, reverse("api:v1:issue-detail", args=[issue.reference]))


class AssistanceSerializer(serializers.Serializer):
    department = NamedSerializer()
    due_on = serializers.DateField(allow_null=True)


class ContactSerializer(serializers.Serializer):
    mobile = serializers.CharField()
    email = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    created_at = serializers.DateTimeField()
    round = serializers.IntegerField()
    actor_name = serializers.CharField()
    actor_department = NamedSerializer(allow_null=True)
    how = serializers.CharField(help_text=_(
        "How a rating was given, or what a follow-up call found; empty for the others."))
    message = serializers.CharField()
    is_public = serializers.BooleanField(help_text=_(
        "Shown to the entrepreneur; entrepreneurs receive public entries only."))
    files = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_files(self, event) -> list:
        return AttachmentSerializer(getattr(event, "files", []), many=True,
                                    context=self.context).data


class AnswerSerializer(serializers.Serializer):
    """A department's answer: the signed-off ones everyone who sees the issue reads; the
    one awaiting sign-off (or sent back) only for the lead department and coordinators."""

    id = serializers.IntegerField(allow_null=True)
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=("approved", "pending", "sent_back"))
    reply = serializers.CharField()
    at = serializers.DateTimeField(help_text=_("When it was sent (approved) or written."))
    written_by = serializers.CharField(allow_blank=True)
    decision_note = serializers.CharField(allow_blank=True)
    files = AttachmentSerializer(many=True)


class RatingSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    value = serializers.CharField()
    value_label = serializers.CharField(source="get_value_display")
    reason = serializers.CharField()
    comment = serializers.CharField()
    channel = serializers.CharField()
    rated_at = serializers.DateTimeField()


class SessionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    theme = serializers.CharField()
    starts_at = serializers.DateTimeField()


class IssueDetailSerializer(serializers.Serializer):
    """One issue as its page shows it to the caller. Built from ``IssueDetail``."""

    reference = serializers.CharField(source="issue.reference")
    title = serializers.CharField(source="issue.title")
    description = serializers.CharField(source="issue.description")
    status = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="issue.status_label")
    status_group = serializers.CharField(source="issue.status_group")
    version = serializers.IntegerField(source="issue.version", help_text=_(
        "Goes up with every change; the ETag header carries it, and actions require it in "
        "If-Match."))
    category = NamedSerializer(source="issue.category")
    region = NamedSerializer(source="issue.region")
    source = serializers.CharField(source="issue.source")
    session = serializers.SerializerMethodField()
    enterprise = serializers.CharField(source="issue.enterprise.name")
    raised_by = serializers.CharField(source="issue.entrepreneur.display_name")
    contact = serializers.SerializerMethodField()
    round = serializers.IntegerField(source="issue.round")
    submitted_at = serializers.DateTimeField(source="issue.submitted_at")
    dispatched_at = serializers.DateTimeField(source="issue.dispatched_at", allow_null=True)
    accept_due_on = serializers.DateField(source="issue.accept_due_on", allow_null=True)
    accepted_at = serializers.DateTimeField(source="issue.accepted_at", allow_null=True)
    due_on = serializers.DateField(source="issue.due_on", allow_null=True)
    resolved_at = serializers.DateTimeField(source="issue.resolved_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="issue.closed_at", allow_null=True)
    is_overdue = serializers.BooleanField(source="issue.is_overdue")
    is_due_soon = serializers.BooleanField(source="issue.is_due_soon")
    escalation = serializers.SerializerMethodField()
    lead_department = NamedSerializer(source="issue.lead_department", allow_null=True)
    assisting_departments = AssistanceSerializer(source="assistances", many=True)
    attachments = serializers.SerializerMethodField()
    ratings = RatingSerializer(many=True)
    answers = serializers.SerializerMethodField()
    timeline = TimelineEntrySerializer(many=True)

    def get_status(self, detail) -> str:
        return detail.issue.status if detail.scope.is_official else detail.issue.status_group

    @extend_schema_field(SessionRefSerializer(allow_null=True))
    def get_session(self, detail):
        session = detail.issue.session
        return SessionRefSerializer(session).data if session is not None else None

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, detail):
        """The mobile and email in full for those who handle the person; null otherwise."""
        if not detail.show_contacts:
            return None
        person = detail.issue.entrepreneur
        return {"mobile": person.mobile or "", "email": person.email or ""}

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=_(
        "Officials only: 0 none, 1 reminded, 2 under supervision, 3 in the bulletin.")))
    def get_escalation(self, detail):
        return detail.issue.escalation if detail.scope.is_official else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, detail) -> list:
        return AttachmentSerializer(detail.attachments, many=True, context=self.context).data

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, detail) -> list:
        answers = [
            {"id": (event.data or {}).get("answer") if isinstance(event.data, dict) else None,
             "round": event.round, "status": "approved", "reply": event.message,
             "at": event.created_at, "written_by": event.actor_name, "decision_note": "",
             "files": getattr(event, "files", [])}
            for event in detail.timeline if event.kind == event.Kind.RESOLVED
        ]
        review = detail.answer_under_review
        if review is not None:
            answers.append({
                "id": review.pk, "round": review.round, "status": review.status,
                "reply": review.reply, "at": review.written_at,
                "written_by": review.written_by_name, "decision_note": review.decision_note,
                "files": getattr(review, "files", []),
            })
        return AnswerSerializer(answers, many=True, context=self.context).data


# --- Sessions ---------------------------------------------------------------------------


class SessionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    theme = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    region = NamedSerializer()
    venue = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    places_taken = serializers.IntegerField(source="registered")
    places_left = serializers.SerializerMethodField()
    waitlisted = serializers.IntegerField()
    my_status = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_places_left(self, session) -> int:
        return max(session.capacity - session.registered, 0)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_(
        "An entrepreneur's own place: invited, registered, waitlisted, cancelled, attended, "
        "absent, or empty for none; null for officials.")))
    def get_my_status(self, session):
        return getattr(session, "my_status", None)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, session) -> str:
        return _absolute(self, reverse("api:v1:session-detail", args=[session.pk]))


class SessionIssueSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()


class SessionDetailSerializer(serializers.Serializer):
    """A session as its page shows it to the caller. Built from ``SessionDetail``."""

    id = serializers.IntegerField(source="session.id")
    theme = serializers.CharField(source="session.theme")
    kind = serializers.CharField(source="session.kind")
    status = serializers.CharField(source="session.status")
    status_label = serializers.CharField(source="session.get_status_display")
    region = NamedSerializer(source="session.region")
    venue = serializers.CharField(source="session.venue")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    host = serializers.CharField(source="session.host.name", allow_null=True, default=None)
    departments = NamedSerializer(many=True)
    capacity = serializers.IntegerField(source="session.capacity")
    places_taken = serializers.IntegerField(source="counts.places_taken")
    places_left = serializers.SerializerMethodField()
    waitlisted = serializers.IntegerField(source="counts.waitlisted")
    may_manage = serializers.BooleanField(help_text=_(
        "The caller plans and checks people in at this session."))
    my_status = serializers.SerializerMethodField()
    waitlist_position = serializers.IntegerField(allow_null=True, help_text=_(
        "The caller's place on the waiting list (1 is next), if waitlisted."))
    issues = SessionIssueSerializer(many=True, help_text=_(
        "Issues raised at the session: for those who manage it only."))

    def get_places_left(self, detail) -> int:
        return max(detail.session.capacity - detail.counts["places_taken"], 0)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_my_status(self, detail):
        if not self.context.get("is_entrepreneur"):
            return None
        return detail.mine.status if detail.mine is not None else ""


# --- Notifications ----------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(help_text=_(
        "The page the message is about, as an absolute link; empty for none.")))
    def get_url(self, notification) -> str:
        url = notification.url or ""
        return _absolute(self, url) if url.startswith("/") else url

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


# --- Figures ----------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(help_text=_("The figure's name as the dashboard shows it."))
    unit = serializers.ChoiceField(choices=("count", "percent", "days"))
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                     coerce_to_string=False, help_text=_(
                                         "Null when there is nothing to divide by."))
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)


class FigureFiltersSerializer(serializers.Serializer):
    region = NamedSerializer(allow_null=True, help_text=_("Null: the whole city."))
    month_from = serializers.CharField(allow_null=True)
    month_to = serializers.CharField(allow_null=True)
    category = NamedSerializer(allow_null=True)
    department = NamedSerializer(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    scope = NamedSerializer(allow_null=True, help_text=_(
        "The caller's part of the city: null for the whole city."))
    filters = FigureFiltersSerializer()
    sessions_filtered = serializers.BooleanField(help_text=_(
        "False when a category or department filter is on: the session figures then cover "
        "the region and months only."))
    sessions = FigureSerializer(many=True)
    issues = FigureSerializer(many=True)
    channels = FigureSerializer(many=True)
