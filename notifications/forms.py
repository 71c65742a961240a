"""The officials' DingTalk setting (``/inbox/settings/``)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextForm

#: A DingTalk user id: letters, digits and ``-_.@``, as DingTalk's address book shows it.
DINGTALK_USERID = RegexValidator(
    r"\A[A-Za-z0-9_.@-]{1,64}\Z",
    _("Enter the user id as DingTalk shows it: letters, digits and - _ . @ only."),
)


class DingTalkPreferenceForm(CleanTextForm):
    dingtalk_userid = forms.CharField(
        label=_("DingTalk user id"), max_length=64, required=False,
        validators=[DINGTALK_USERID],
        help_text=_("Your user id in DingTalk (浙政钉). Your organisation's DingTalk "
                    "administrator can tell you; it is not your mobile number."),
    )
    dingtalk_enabled = forms.BooleanField(
        label=_("Also send my messages to DingTalk as work notices"), required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dingtalk_enabled") and not cleaned.get("dingtalk_userid") \
                and "dingtalk_userid" not in self.errors:
            self.add_error("dingtalk_userid", _(
                "Enter your DingTalk user id to receive your messages there."))
        return cleaned
