"""The log-in form, and Django's password forms with the clean-text check
(``core.forms.CleanTextMixin``) that every form of the project has."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from core.forms import CleanTextMixin

TOO_MANY = _("Too many attempts from your network. Please wait a while and try again.")


class IdentifierAuthenticationForm(CleanTextMixin, auth_forms.AuthenticationForm):
    """Log in with a mobile number, an email address or a user name."""

    username = forms.CharField(
        label=_("Mobile, email or user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "The mobile, email or user name and the password do not match an active "
            "account. Both are checked exactly; the password is case-sensitive."
        ),
    }


class AdminLoginForm(CleanTextMixin, AdminAuthenticationForm):
    """The admin's own log-in form; refused without checking the password when the view
    (``accounts.views.admin_login``) found the address over the site's log-in limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the user name's max_length after the field is built, so without this
        # a 10,000-character name reached the lock-out's log (a database error).
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))

    def clean(self):
        if getattr(self.request, "over_login_limit", False):
            raise ValidationError(TOO_MANY, code="rate_limited")
        return super().clean()


class PasswordResetForm(CleanTextMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(CleanTextMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(CleanTextMixin, auth_forms.PasswordChangeForm):
    pass
