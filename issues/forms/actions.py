"""The forms of the workflow's actions and of the rating, one per ``Action``
(``ACTION_FORMS``).

Every action form carries the ``version`` of the issue the user saw (a hidden field), so
the workflow can refuse a change made on a page that someone else's change has overtaken.
The forms only parse what was typed; the workflow (``issues.workflow``) decides.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from issues.attachments import MultipleFileField
from issues.forms.rating import RatingForm
from issues.models import FollowUpCall, Issue, RatingValue
from issues.policy import Action
from issues.rules import workflow_rules
from issues.selectors import dispatch_departments, issues_for_user
from issues.services import is_reference
from issues.workflow.raiser import (
    MATERIAL_NOTE_MAX_LENGTH,
    WITHDRAW_REASON_MAX_LENGTH,
)


class ActionForm(CleanTextForm):
    """What one action needs, and the version of the issue the user saw."""

    action: Action
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data=None, *, issue: Issue, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", issue.version)
        super().__init__(data, **kwargs)
        self.issue, self.user = issue, user

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            del self._errors["version"]
            raise ValidationError(_("This form is out of date. Reload the page and try again."),
                                  code="version")
        return cleaned

    def arguments(self) -> dict:
        """The action's own keyword arguments for its workflow function."""
        return {}

    def typed_text(self) -> list[tuple[str, str]]:
        """(label, text) of what the user typed into the form's text fields, to keep it on
        the page when the action cannot be done."""
        texts = []
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea | forms.TextInput) and self.data.get(name):
                texts.append((field.label, self.data.get(name)))
        return texts


def _text(label, required_message, *, required=True, rows=4, help_text=""):
    return forms.CharField(
        label=label, required=required, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else None,
    )


def _department_choices(departments) -> list:
    """Departments grouped by region, for a select's option groups."""
    groups: dict = {}
    for department in departments:
        groups.setdefault(department.region, []).append((department.pk, str(department)))
    return [(str(region), options) for region, options in groups.items()]


class DispatchForm(ActionForm):
    action = Action.DISPATCH

    lead_department = forms.TypedChoiceField(
        label=_("Lead department (主办)"), coerce=int,
        error_messages={"required": _("Choose the lead department.")},
    )
    assisting = forms.TypedMultipleChoiceField(
        label=_("Assisting departments (协办)"), coerce=int, required=False,
        help_text=_("Optional. Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    assisting_days = forms.IntegerField(
        label=_("Working days for the assisting departments"), required=False, min_value=1,
        max_value=365,
    )
    note = _text(_("Note for the departments"), None, required=False, rows=2)

    def __init__(self, data=None, *, issue: Issue, user, departments=None, **kwargs):
        departments = dispatch_departments() if departments is None else departments
        default = issue.lead_department_id or issue.category.default_department_id
        if default is not None:
            kwargs.setdefault("initial", {}).setdefault("lead_department", default)
        super().__init__(data, issue=issue, user=user, **kwargs)
        self._departments = {department.pk: department for department in departments}
        choices = _department_choices(departments)
        self.fields["lead_department"].choices = [("", _("Choose a department")), *choices]
        self.fields["assisting"].choices = choices
        self.fields["assisting_days"].help_text = _(
            "Optional. Empty: the category's limit of %(days)s working days."
        ) % {"days": issue.category.resolve_limit_days}

    def clean(self):
        cleaned = super().clean()
        lead, assisting = cleaned.get("lead_department"), cleaned.get("assisting") or []
        if lead is not None and lead in assisting:
            self.add_error("assisting", _("The lead department cannot also assist."))
        return cleaned

    def arguments(self) -> dict:
        data = self.cleaned_data
        days = data.get("assisting_days")
        return {
            "lead_department": self._departments[data["lead_department"]],
            "assisting": {self._departments[pk]: days for pk in data.get("assisting") or []},
            "note": data.get("note") or "",
        }

    def chosen_department(self):
        return self._departments.get(self.cleaned_data.get("lead_department"))


class AcceptForm(ActionForm):
    action = Action.ACCEPT


class ReturnForm(ActionForm):
    action = Action.RETURN

    reason = _text(_("Why is it not for your department?"),
                   _("Say why the issue is not for your department."),
                   help_text=_("The coordinators read this and dispatch it elsewhere."))

    def arguments(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class NoteForm(ActionForm):
    action = Action.NOTE

    message = _text(_("Progress note"), _("Write the note."))
    is_public = forms.BooleanField(label=_("Show to the entrepreneur"), required=False)

    def __init__(self, data=None, *, issue: Issue, user, public_by_default=True, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("is_public", public_by_default)
        super().__init__(data, issue=issue, user=user, **kwargs)

    def arguments(self) -> dict:
        return {"message": self.cleaned_data["message"],
                "is_public": self.cleaned_data["is_public"]}


class RequestExtensionForm(ActionForm):
    action = Action.REQUEST_EXTENSION

    days = forms.IntegerField(label=_("Extra working days"), min_value=1)
    reason = _text(_("Why is more time needed?"), _("Say why more time is needed."), rows=3)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        most = workflow_rules().max_extension_days
        field = self.fields["days"]
        field.max_value = most
        field.validators.append(MaxValueValidator(most))
        field.widget.attrs.update({"min": 1, "max": most})
        field.help_text = _("1 to %(max)s working days.") % {"max": most}

    def arguments(self) -> dict:
        return {"days": self.cleaned_data["days"], "reason": self.cleaned_data["reason"]}


class DecideExtensionForm(ActionForm):
    action = Action.DECIDE_EXTENSION
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(APPROVE, _("Grant the extra days")), (REFUSE, _("Refuse"))],
        error_messages={"required": _("Grant or refuse the request.")},
    )
    note = _text(_("Note"), None, required=False, rows=2,
                 help_text=_("Required when you refuse: the department reads it."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSE and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the request is refused."))
        return cleaned

    def arguments(self) -> dict:
        return {"approve": self.cleaned_data["decision"] == self.APPROVE,
                "note": self.cleaned_data.get("note") or ""}


class ResolveForm(ActionForm):
    action = Action.RESOLVE

    reply = _text(_("Answer to the entrepreneur"), _("Write the answer to the entrepreneur."),
                  rows=6, help_text=_("The entrepreneur reads this and is asked to rate it."))
    files = MultipleFileField(label=_("Answer letter (答复函) and other files"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        department = self.issue.lead_department
        if department is not None and department.requires_sign_off:
            self.fields["reply"].help_text = _(
                "Your department's lead signs the answer off (审核签发) before the "
                "entrepreneur reads it and is asked to rate it.")

    def arguments(self) -> dict:
        return {"reply": self.cleaned_data["reply"],
                "files": self.cleaned_data.get("files") or []}


class ApproveAnswerForm(ActionForm):
    action = Action.APPROVE_ANSWER

    note = _text(_("Note for the author"), None, required=False, rows=2,
                 help_text=_("Optional. Kept with the answer; the entrepreneur does not read "
                             "it."))

    def arguments(self) -> dict:
        return {"note": self.cleaned_data.get("note") or ""}


class SendBackAnswerForm(ActionForm):
    action = Action.SEND_BACK_ANSWER

    note = _text(_("What should change?"), _("Say what should change in the answer."),
                 rows=3, help_text=_("The author reads this and answers again."))

    def arguments(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class RejectForm(ActionForm):
    action = Action.REJECT

    reason = _text(_("Why is it out of scope?"), _("Say why the issue is out of scope."),
                   help_text=_("The entrepreneur reads this reason."))

    def arguments(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class MarkDuplicateForm(ActionForm):
    action = Action.MARK_DUPLICATE

    original = forms.CharField(
        label=_("Reference of the original issue"), max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "HZ-2026-000123",
                                      "autocapitalize": "characters"}),
        error_messages={"required": _("Give the reference of the issue it duplicates.")},
    )

    def clean_original(self):
        reference = "".join(self.cleaned_data["original"].split()).upper()
        if not is_reference(reference):
            raise ValidationError(_("A reference looks like HZ-2026-000123."), code="format")
        if reference == self.issue.reference:
            raise ValidationError(_("An issue cannot duplicate itself."), code="original")
        try:
            self.original_issue = issues_for_user(user=self.user).get(reference=reference)
        except Issue.DoesNotExist:
            raise ValidationError(_("No issue with this reference is open to you."),
                                  code="original") from None
        return reference

    def arguments(self) -> dict:
        return {"original": self.original_issue}


class CloseForm(ActionForm):
    action = Action.CLOSE

    note = _text(_("Why is the issue closed?"), _("Say why the issue is closed."),
                 help_text=_("The entrepreneur reads this."))

    def arguments(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class WithdrawForm(ActionForm):
    """Withdraw (撤回) before dispatch: a short reason, and a tick that says the person means
    it (a confirmation that needs no script)."""

    action = Action.WITHDRAW

    reason = forms.CharField(
        label=_("Why do you withdraw the issue?"), max_length=WITHDRAW_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: solved in the meantime, or raised by mistake."),
        error_messages={"required": _("Say why the issue is withdrawn.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that a withdrawn issue is closed for good and is not handled."),
        error_messages={"required": _("Tick the box to confirm that you withdraw the issue.")},
    )

    def arguments(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class AddMaterialForm(ActionForm):
    """Add material (补充材料) while the issue is not finished: a note, files, or both."""

    action = Action.ADD_MATERIAL

    note = forms.CharField(
        label=_("Note"), required=False, max_length=MATERIAL_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional if you add files. The department handling the issue reads it."),
    )
    files = MultipleFileField(label=_("Files"), required=False)

    def clean(self):
        cleaned = super().clean()
        if ("note" in cleaned and "files" in cleaned and not (cleaned["note"] or "").strip()
                and not cleaned["files"]):
            raise ValidationError(_("Write a note or choose at least one file."),
                                  code="required")
        return cleaned

    def arguments(self) -> dict:
        return {"note": self.cleaned_data.get("note") or "",
                "files": self.cleaned_data.get("files") or []}


class RateForm(RatingForm, ActionForm):
    """The rating page's form: ``RatingForm``'s fields and rule, and the issue's version."""

    action = Action.RATE


class RecordCallForm(RateForm):
    """A follow-up call (回访): reached or not, a note, and, while the answer awaits a
    rating and the call reached the person, the rating they gave. ``about_rating`` (a
    hidden field) names the rating the call follows up; none while the answer awaits one."""

    action = Action.RECORD_CALL
    field_order = ("reached", "value", "reason", "comment", "note")

    reached = forms.TypedChoiceField(
        label=_("Did the call reach the person?"),
        choices=(("yes", _("Yes, we spoke")), ("no", _("No answer, or not reachable"))),
        coerce=lambda answer: answer == "yes", widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the call reached the person.")},
    )
    note = _text(_("Note on the call"), None, required=False, rows=3,
                 help_text=_("Optional. For officials only: what was said, when to call "
                             "again."))
    about_rating = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, issue: Issue, user, rating=None, **kwargs):
        kwargs.setdefault("initial", {})
        if rating is not None:
            kwargs["initial"].setdefault("about_rating", rating.pk)
        super().__init__(data, issue=issue, user=user, **kwargs)
        self.fields["value"].label = _("The rating the person gave on the call")
        self.fields["value"].required = False
        self.fields["value"].choices = [("", _("No rating given on the call")),
                                        *RatingValue.choices]
        self.fields["reason"].label = _("Why are they dissatisfied?")
        self.fields["comment"].help_text = _("Optional. What the person said, in their "
                                             "words; they can read it.")
        self.takes_rating = issue.status == Issue.Status.RESOLVED
        if not self.takes_rating:
            for name in ("value", "reason", "comment"):
                del self.fields[name]

    def clean_about_rating(self):
        pk = self.cleaned_data.get("about_rating")
        if pk is None:
            return None
        rating = next((rating for rating in self.issue.ratings.all() if rating.pk == pk), None)
        if rating is None:
            raise ValidationError(_("This form is out of date. Reload the page and try "
                                    "again."), code="about_rating")
        return rating

    def clean(self):
        cleaned = ActionForm.clean(self)
        if cleaned.get("value") and cleaned.get("reached") is False:
            # add_error drops the value, so clean_rating then drops the reason too.
            self.add_error("value", _("A rating can only be recorded from a call that reached "
                                      "the person."))
        return self.clean_rating(cleaned)

    def purpose(self) -> str:
        rating = self.cleaned_data.get("about_rating")
        if rating is None:
            return FollowUpCall.Purpose.AWAITING_RATING
        if rating.value == RatingValue.DISSATISFIED:
            return FollowUpCall.Purpose.DISSATISFIED
        return FollowUpCall.Purpose.VERIFICATION

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {"purpose": self.purpose(), "reached": data["reached"],
                "note": data.get("note") or "", **super().arguments(),
                "about_rating": data.get("about_rating")}


#: Each action's form.
ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (DispatchForm, AcceptForm, ReturnForm, NoteForm, RequestExtensionForm,
                 DecideExtensionForm, ResolveForm, RejectForm, MarkDuplicateForm, CloseForm,
                 RateForm, RecordCallForm, ApproveAnswerForm, SendBackAnswerForm,
                 WithdrawForm, AddMaterialForm)
}
