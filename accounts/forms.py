"""The log-in form, and Django's password forms with the clean-text check
(``core.forms.CleanTextMixin``) that every form of the project has."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.limits import login_limit_message
from core.forms import CleanTextMixin

TOO_MANY = _("Too many attempts from your network. Please wait a while and try again.")


class LoginLimitMixin:
    """Refuses the log-in without checking the password while the client's address has used
    up its failed log-ins: the view (``accounts.views.limited_login``) puts the time it may
    try again on the request as ``login_limit_until``."""

    def clean(self):
        until = getattr(self.request, "login_limit_until", None)
        if until is not None:
            raise ValidationError(login_limit_message(until), code="rate_limited")
        return super().clean()


class IdentifierAuthenticationForm(LoginLimitMixin, CleanTextMixin,
                                   auth_forms.AuthenticationForm):
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


class AdminLoginForm(LoginLimitMixin, CleanTextMixin, AdminAuthenticationForm):
    """The admin's own log-in form, behind the site's limit on failed log-ins."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the user name's max_length after the field is built, so without this
        # a 10,000-character name reached the lock-out's log (a database error).
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class PasswordResetForm(CleanTextMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(CleanTextMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(CleanTextMixin, auth_forms.PasswordChangeForm):
    pass
