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
from accounts.models import AuditEvent
from core.ratelimits import rate_limit_hit


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


class LoginView(RateLimitedFormMixin, auth_views.LoginView):
    form_class = IdentifierAuthenticationForm
    rate_limit = "login"
    redirect_authenticated_user = False


@sensitive_post_parameters()
def admin_login(request):
    """``/admin/login/``: the admin's own page, behind the same per-address limit as
    ``/accounts/login/`` (one count for both doors; huzhou_talks/urls.py routes it). Over the
    limit the password is not checked and the page answers 429 (``AdminLoginForm``). The
    lock-out by identifier is django-axes's, shared by every log-in already."""
    request.over_login_limit = request.method == "POST" and rate_limit_hit(request, name="login")
    response = admin.site.login(request)
    if request.over_login_limit:
        response.status_code = 429
    return response


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
    """What django-axes answers (AXES_LOCKOUT_CALLABLE) while an identifier is locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429
    )
