from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class IdentifierAuthenticationForm(AuthenticationForm):
    """Log in with a mobile number, an email address or a user name."""

    username = forms.CharField(
        label=_("Mobile, email or user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The mobile, email or user name and the password do not match an active "
            "account. Both are checked exactly; the password is case-sensitive."
        ),
    }
