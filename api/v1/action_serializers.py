"""The bodies of the API's writes: one request serializer per workflow action, the
submission, and what they answer (the issue's new state, a place at a session, a problem).

The serializers check types and refuse unknown fields (``StrictSerializer``); the rules of
each action (lengths, required reasons, the departments one may dispatch to...) are the
page forms' own (``issues.forms.ACTION_FORMS``), which the views run on the checked values,
and then the workflow's.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import StrictSerializer
from issues.models import Issue, RatingValue, SatisfactionRating
from sessions.models import Attendance

NOT_TEXT = _("Send a string.")
NOT_INTEGER = _("Send a whole number.")
NOT_BOOLEAN = _("Send true or false.")


# --- Fields that take JSON's own types only (no "12" for 12, no 12 for "12") ------------------


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT, code="invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError(NOT_INTEGER, code="invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError(NOT_BOOLEAN, code="invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT, code="invalid")
        return super().to_internal_value(data)


def _text(help_text, *, required=True, max_length=None):
    return StrictCharField(required=required, allow_blank=not required, trim_whitespace=False,
                           max_length=max_length, help_text=help_text)


# --- Requests of the workflow actions --------------------------------------------------------


class EmptyRequestSerializer(StrictSerializer):
    """An action that takes nothing but the issue's version (in ``If-Match``)."""


class DispatchRequestSerializer(StrictSerializer):
    lead_department = StrictIntegerField(
        min_value=1, help_text=_("The id of the lead department (主办)."))
    assisting = serializers.ListField(
        child=StrictIntegerField(min_value=1), required=False, max_length=50,
        help_text=_("The ids of the assisting departments (协办)."))
    assisting_days = StrictIntegerField(
        required=False, allow_null=True, min_value=1, max_value=365,
        help_text=_("Working days for the assisting departments; empty: the category's "
                    "limit."))
    note = _text(_("A note for the departments."), required=False)


class ReasonRequestSerializer(StrictSerializer):
    reason = _text(_("Why: the other side reads it."))


class NoteRequestSerializer(StrictSerializer):
    message = _text(_("The progress note."))
    is_public = StrictBooleanField(
        required=False,
        help_text=_("Shown to the entrepreneur. Default: true for a department, false "
                    "otherwise (as on the page)."))


class RequestExtensionRequestSerializer(StrictSerializer):
    days = StrictIntegerField(min_value=1, help_text=_("Extra working days."))
    reason = _text(_("Why more time is needed."))


class DecideExtensionRequestSerializer(StrictSerializer):
    decision = StrictChoiceField(choices=[("approve", _("Grant the extra days")),
                                          ("refuse", _("Refuse"))])
    note = _text(_("Required when refusing: the department reads it."), required=False)


class ResolveRequestSerializer(StrictSerializer):
    reply = _text(_("The answer to the entrepreneur. Files (the answer letter) are added on "
                    "the page; the JSON API takes text only."))


class OptionalNoteRequestSerializer(StrictSerializer):
    note = _text(_("Optional note."), required=False)


class RequiredNoteRequestSerializer(StrictSerializer):
    note = _text(_("The note: required."))


class MarkDuplicateRequestSerializer(StrictSerializer):
    original = _text(_("The reference of the original issue, e.g. HZ-2026-000123."))


class RateRequestSerializer(StrictSerializer):
    value = StrictChoiceField(choices=RatingValue.choices)
    reason = StrictChoiceField(choices=SatisfactionRating.Reason.choices, required=False,
                               allow_blank=True,
                               help_text=_("Required when dissatisfied."))
    comment = _text(_("Optional comment."), required=False)


class AddMaterialRequestSerializer(StrictSerializer):
    note = _text(_("The material, as text. Files are added on the page; the JSON API takes "
                   "text only."))


# --- Answers ---------------------------------------------------------------------------------


class IssueStateSerializer(serializers.Serializer):
    """An issue's state after a write; ``version`` is what the next ``If-Match`` sends
    (the ``ETag`` header carries it too)."""

    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Issue.Status.choices)
    version = serializers.IntegerField()
    url = serializers.CharField(help_text=_("The issue in the API."))


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1},
                                {"type": "string", "minLength": 1, "maxLength": 40}]})
class CategoryReferenceField(serializers.Field):
    """A category by id (a number) or by code (a string)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or data in ("", 0):
            raise serializers.ValidationError(_("Send the category's id or code."),
                                              code="invalid")
        return data

    def to_representation(self, value):
        return value


class IssueSubmitRequestSerializer(StrictSerializer):
    title = _text(_("One line that names the problem."),
                  max_length=Issue._meta.get_field("title").max_length)
    description = _text(_("What happened, what is needed, who was asked already."))
    category = CategoryReferenceField(
        help_text=_("The category: its id (a number) or its code (a string)."))
    entrepreneur = StrictIntegerField(
        required=False, min_value=1,
        help_text=_("Coordinators only: the id of the entrepreneur the issue is entered for."))
    source = StrictChoiceField(
        choices=[choice for choice in Issue.Source.choices if choice[0] != Issue.Source.ONLINE],
        required=False,
        help_text=_("Coordinators only, required with entrepreneur: where it was raised."))
    session = StrictIntegerField(
        required=False, allow_null=True, min_value=1,
        help_text=_("Coordinators only: the session it was raised at (source session)."))



class RegistrationSerializer(serializers.Serializer):
    """The caller's place at a session."""

    session = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Attendance.Status.choices)
