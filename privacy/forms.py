from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from privacy.services import MAX_TEXT


class DeletionRequestForm(CleanTextForm):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordinator reads it. It is erased with the rest if they approve."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my name and contact details will be erased and that I will "
                "no longer be able to log in."),
        error_messages={"required": _("Tick the box to confirm that you want this.")},
    )


class DeletionDecisionForm(CleanTextForm):
    APPROVE = "approve"
    REFUSE = "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve and erase")), (REFUSE, _("Refuse"))],
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing: the person reads it."),
    )

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
