"""The rating taken through the signed link of the SMS (``issues.views.rating_link``): the
same three values, reason and comment as the rating page, for a person who is not logged
in, so with no issue version (the workflow checks the round under the issue's lock)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from issues.models import RatingValue, SatisfactionRating


class RatingLinkForm(CleanTextForm):
    value = forms.ChoiceField(
        label=_("How satisfied are you with the answer?"), choices=RatingValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    reason = forms.ChoiceField(
        label=_("Why are you dissatisfied?"), choices=SatisfactionRating.Reason.choices,
        widget=forms.RadioSelect, required=False,
        help_text=_("Required if you are dissatisfied; leave it empty otherwise. The "
                    "department then handles your issue again, under supervision."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. The department and the coordinators read it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value") == RatingValue.DISSATISFIED:
            if not cleaned.get("reason"):
                self.add_error("reason", _("Say why you are dissatisfied."))
        else:
            cleaned["reason"] = ""
        return cleaned

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {"value": data["value"], "reason": data.get("reason") or "",
                "comment": data.get("comment") or ""}
