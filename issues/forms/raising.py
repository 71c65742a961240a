"""Raising an issue: an entrepreneur's own, or one a coordinator enters for a person."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import moment_shown
from core.forms import CleanTextForm
from issues.attachments import MultipleFileField
from issues.models import Category, Issue


class IssueSubmitForm(CleanTextForm):
    """An entrepreneur's own issue; with ``for_other`` a coordinator's entry, which also says
    where the issue was raised (``sessions``: the sessions it may name)."""

    SOURCES = [(value, label) for value, label in Issue.Source.choices
               if value != Issue.Source.ONLINE]

    title = forms.CharField(
        label=_("Title"), max_length=Issue._meta.get_field("title").max_length,
        help_text=_("One line that names the problem."),
        error_messages={"required": _("Give the issue a title.")},
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, what you need, and who you have already asked."),
        error_messages={"required": _("Describe the issue.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the category closest to the issue.")},
    )
    source = forms.ChoiceField(
        label=_("Where was it raised?"), choices=SOURCES, widget=forms.RadioSelect,
        error_messages={"required": _("Say where the issue was raised: at a session, by "
                                      "phone or on a visit.")},
    )
    session = forms.TypedChoiceField(label=_("Session"), coerce=int, required=False,
                                     empty_value=None)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, data=None, files=None, *, for_other: bool = False, sessions=(),
                 at_session: int | None = None):
        """``at_session``: the session the coordinator came from (its check-in list), chosen
        in advance with the source "at a session" when it is among ``sessions``."""
        initial = {}
        if for_other and at_session in {session.pk for session in sessions}:
            initial = {"source": Issue.Source.SESSION, "session": at_session}
        super().__init__(data, files, initial=initial)
        self.for_other = for_other
        if for_other:
            self._sessions = {session.pk: session for session in sessions}
            self.fields["session"].choices = [
                ("", _("Not raised at a session")),
                *((session.pk, _session_label(session)) for session in sessions),
            ]
            self.fields["session"].help_text = _(
                "Sessions of the last 60 days and the coming week, latest first."
            )
        else:
            del self.fields["source"]
            del self.fields["session"]

    def clean(self):
        cleaned = super().clean()
        if (self.for_other and cleaned.get("session")
                and cleaned.get("source") != Issue.Source.SESSION):
            self.add_error("session", _("Only an issue raised at a session names a session."))
        return cleaned

    def submit_arguments(self) -> dict:
        """The keyword arguments of ``issues.workflow.issue_submit`` (but the actor and the
        entrepreneur)."""
        data = self.cleaned_data
        arguments = {
            "title": data["title"], "description": data["description"],
            "category": data["category"], "attachments": data.get("attachments") or [],
        }
        if self.for_other:
            arguments["source"] = data["source"]
            arguments["session"] = self._sessions.get(data.get("session"))
        return arguments


def _session_label(session) -> str:
    return f"{moment_shown(session.starts_at)} · {session.region} · {session.theme}"
