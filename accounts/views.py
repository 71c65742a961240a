"""Signing in and out, and passwords: Django's views with the programme's forms and limits."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.audit import audit_record
from accounts.forms import (
    TOO_MANY,
    IdentifierAuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from accounts.limits import account_locked_until, retry_words
from accounts.models import AuditEvent
from core.ratelimits import rate_limit_count, rate_limit_hit, rate_limit_reached


class RateLimitedFormMixin:
    """Counts every POST against ``RATELIMIT_<rate_limit>``; over the limit the form comes
    back with what was typed, a message, and status 429, and nothing is done."""

    rate_limit: str

    def post(self, request, *args, **kwargs):
        if rate_limit_hit(request, name=self.rate_limit):
            form = self.get_form()
            form.is_valid()  # keep what was typed, and its field errors
            form.add_error(None, TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


def limited_login(request, respond):
    """A log-in behind the per-address limit (``RATELIMIT_LOGIN``), which counts failures
    only: an office or a venue behind one address logs in as often as it likes.

    Once the address has used up its failures, the form refuses without checking the
    password and says when to try again (429). A POST that does not end logged in counts
    one failure. The lock-out of one account is django-axes's, for every log-in.
    """
    posted = request.method == "POST"
    request.login_limit_until = rate_limit_reached(request, name="login") if posted else None
    response = respond()
    if request.login_limit_until is not None:
        response.status_code = 429
    elif posted and not request.user.is_authenticated:
        rate_limit_count(request, name="login")
    return response


class LoginView(auth_views.LoginView):
    form_class = IdentifierAuthenticationForm
    redirect_authenticated_user = False

    def post(self, request, *args, **kwargs):
        return limited_login(request, lambda: super(LoginView, self).post(request, *args, **kwargs))


@sensitive_post_parameters()
def admin_login(request):
    """``/admin/login/``: the admin's own page, behind the same per-address limit as
    ``/accounts/login/`` (one count for both doors; huzhou_talks/urls.py routes it)."""
    return limited_login(request, lambda: admin.site.login(request))


class PasswordSetAuditMixin:
    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(AuditEvent.Kind.PASSWORD_SET, subject=form.user, actor=form.user)
        return response


class PasswordResetView(RateLimitedFormMixin, auth_views.PasswordResetView):
    form_class = PasswordResetForm
    rate_limit = "password_reset"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        """The link goes out on the site's public address, not the one the request used."""
        return {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordResetConfirmView(PasswordSetAuditMixin, auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm


class AccountActivateView(PasswordSetAuditMixin, auth_views.PasswordResetConfirmView):
    """The one-time link a new official receives: choose a first password, then log in."""

    form_class = SetPasswordForm
    template_name = "registration/account_activate.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. Log in to start."))
        return response


class PasswordChangeView(PasswordSetAuditMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers (AXES_LOCKOUT_CALLABLE) while an identifier is locked out:
    until when."""
    return render(request, "registration/locked_out.html",
                  retry_words(account_locked_until(request, credentials)), status=429)
