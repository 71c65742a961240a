"""What a rating takes, written once: the three values, the reason (required if
dissatisfied, dropped otherwise) and a comment. ``RatingForm`` is the base of the rating
page's ``RateForm`` (and so of ``RecordCallForm``, the rating given on a 回访 call) and of
the SMS link's ``RatingLinkForm``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm
from issues.models import RatingValue, SatisfactionRating


class RatingForm(CleanTextForm):
    value = forms.ChoiceField(
        label=_("How satisfied are you with the answer?"), choices=RatingValue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    reason = forms.ChoiceField(
        label=_("Why are you dissatisfied?"), choices=SatisfactionRating.Reason.choices,
        widget=forms.RadioSelect, required=False,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. The department and the coordinators read it."),
    )

    def clean(self):
        return self.clean_rating(super().clean())

    def clean_rating(self, cleaned: dict) -> dict:
        """Dissatisfied needs a reason; any other value (or none) drops it."""
        if cleaned.get("value") == RatingValue.DISSATISFIED:
            if not cleaned.get("reason"):
                self.add_error("reason", _("Say why you are dissatisfied."))
        else:
            cleaned["reason"] = ""
        return cleaned

    def arguments(self) -> dict:
        """The rating's ``value``, ``reason`` and ``comment`` for the workflow ("" if none)."""
        data = self.cleaned_data
        return {"value": data.get("value") or "", "reason": data.get("reason") or "",
                "comment": data.get("comment") or ""}
