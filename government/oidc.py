"""Single sign-on for officials through an OpenID Connect provider (浙政钉 and most provincial
identity platforms offer one), with mozilla-django-oidc.

The provider says who the person is; this module decides whose account that is. An ACTIVE
official's account is matched by the provider's verified mobile (``phone_number``, normalised
as the site normalises mobiles) or email (``email``, unless ``email_verified`` is false):
exactly one account, else nobody is let in. A log-in never creates an account, never changes
one, and never lets an entrepreneur in. Every refusal is logged, written to the audit trail
(a failed log-in, with the reason) and told to the person on the log-in page
(``oidc:failed``). A success is audited by the same ``user_logged_in`` receiver as a password
log-in.

The callback does not go through ``django.contrib.auth.authenticate``: django-axes would
count every refusal against one empty user name and, after five of them, lock single sign-on
for everyone. Axes guards passwords; here there is none to guess.

Mounted at ``/oidc/`` only when ``OIDC_RP_CLIENT_ID`` is set (huzhou_talks/urls.py);
docs/api-sso.md is the integrator's page.
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, resolve_url
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.audit import audit_record
from accounts.models import AuditEvent
from core.links import absolute_url
from core.validators import normalize_mobile, validate_mobile
from government.models import Official

logger = logging.getLogger(__name__)

#: The dotted path of the backend, as AUTHENTICATION_BACKENDS lists it when SSO is on.
BACKEND = "government.oidc.OfficialOIDCBackend"

#: Why a single sign-on did not end logged in (the key of ``REFUSAL_MESSAGES``).
NO_ACCOUNT = "no_account"  # nobody, an entrepreneur, or more than one official
DEACTIVATED = "deactivated"
CANCELLED = "cancelled"  # the provider answered with an error (the person cancelled, say)
FAILED = "failed"  # the exchange with the provider failed: state, token, signature, network

REFUSAL_MESSAGES = {
    NO_ACCOUNT: _(
        "Your %(provider)s identity matches no single official's account here: its mobile or "
        "email must be the one on your official record. Ask the programme's administrator to "
        "check it, or log in with your password."
    ),
    DEACTIVATED: _(
        "Your official account is deactivated. Ask the programme's administrator if you "
        "should still have access."
    ),
    CANCELLED: _("Signing in with %(provider)s was cancelled. You can try again, or log in "
                 "with your password."),
    FAILED: _("Signing in with %(provider)s did not succeed. Please try again, or log in "
              "with your password."),
}

_FALSE = (False, "false", "False")


def sso_enabled() -> bool:
    """Single sign-on is on: a client id is configured and the backend is listed."""
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")) and (
        BACKEND in settings.AUTHENTICATION_BACKENDS
    )


def provider_name() -> str:
    """The provider's name on the button and in the messages (``OIDC_PROVIDER_NAME``)."""
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or gettext("Zhezhengding")


def sso_login_url(next_url: str = "") -> str:
    """Where the log-in page's button points (``""`` when single sign-on is off)."""
    if not sso_enabled():
        return ""
    try:
        url = reverse("oidc:authenticate")
    except NoReverseMatch:  # configured, but the URLs were not mounted at start-up
        return ""
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def redirect_uri() -> str:
    """The callback on the site's public address (SITE_URL), as registered with the provider:
    the same whichever host name or proxy the request came through."""
    return absolute_url(reverse("oidc:callback"))


def verified_mobile(claims: dict) -> str:
    """The ``phone_number`` claim as the site stores mobiles, or ``""`` when it is missing,
    not a mainland mobile, or marked unverified."""
    if claims.get("phone_number_verified") in _FALSE:
        return ""
    mobile = normalize_mobile(str(claims.get("phone_number") or ""))
    try:
        validate_mobile(mobile)
    except ValidationError:
        return ""
    return mobile


def verified_email(claims: dict) -> str:
    """The ``email`` claim, or ``""`` when it is missing or ``email_verified`` is false."""
    if claims.get("email_verified") in _FALSE:
        return ""
    email = str(claims.get("email") or "").strip()
    return email if "@" in email else ""


class OfficialOIDCBackend(OIDCAuthenticationBackend):
    """Lets an active official in by the provider's verified mobile or email; nobody else.

    After ``authenticate`` returns None, ``refusal`` holds ``(reason, identifier, detail)``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = None
        self.identifier = ""

    def refuse(self, reason: str, detail: str) -> None:
        if self.refusal is None:
            self.refusal = (reason, self.identifier, detail)

    def authenticate(self, request, **kwargs):
        # Only the callback (which passes the nonce) signs in here; a password log-in posted
        # to a URL carrying ?code=&state= must never start an exchange with the provider.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        self.refusal = None
        self.identifier = ""
        try:
            user = super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError,
                ValueError, KeyError, TypeError) as error:
            self.refuse(FAILED, f"{type(error).__name__}: {error}")
            return None
        if user is None:
            self.refuse(FAILED, "the provider's answer identified nobody")
        return user

    def get_token(self, payload):
        return super().get_token({**payload, "redirect_uri": redirect_uri()})

    def verify_token(self, token, **kwargs):
        """The signature, algorithm, expiry and nonce (mozilla-django-oidc), and the audience:
        an id_token issued to another client of the same provider is refused."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id_token was issued to another client.")
        if "exp" not in payload:  # PyJWT checks an exp that is there; OIDC requires one
            raise SuspiciousOperation("The id_token has no expiry.")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The userinfo claims, which must be about the id_token's subject."""
        claims = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            # Raised inside mozilla-django-oidc's get_or_create_user, which swallows it.
            self.refuse(FAILED, "the userinfo is about another subject than the id_token")
            raise SuspiciousOperation("The userinfo is about another subject than the id_token.")
        return claims

    def verify_claims(self, claims):
        self.identifier = verified_mobile(claims) or verified_email(claims)
        return True  # what is missing is told by filter_users_by_claims

    def filter_users_by_claims(self, claims):
        mobile, email = verified_mobile(claims), verified_email(claims)
        condition = Q()
        if mobile:
            condition |= Q(mobile=mobile)
        if email:
            condition |= Q(user__email__iexact=email)
        if not condition:
            self.refuse(NO_ACCOUNT, "the provider gave no verified mobile or email")
            return []
        officials = list(Official.objects.filter(condition).select_related("user"))
        active = {official.user for official in officials if official.user.is_active}
        if len(active) == 1:
            return list(active)
        if len(active) > 1:
            self.refuse(NO_ACCOUNT, f"{len(active)} active officials have that mobile or email")
        elif officials:
            self.refuse(DEACTIVATED, "the official's account is deactivated")
        else:
            self.refuse(NO_ACCOUNT, "no official has that mobile or email")
        return []

    def create_user(self, claims):
        """Never: an official's account is made by an administrator, not by a log-in."""
        self.refuse(NO_ACCOUNT, "no official has that mobile or email (accounts are never "
                                "created by a log-in)")
        raise SuspiciousOperation("Single sign-on never creates an account.")

    def update_user(self, user, claims):
        return user  # the official record is the truth; the provider changes nothing

    def get_user(self, user_id):
        """The session's user, as for a password log-in: a deactivated account is logged out
        at its next request (mozilla-django-oidc's own ``get_user`` would keep it in)."""
        return ModelBackend.get_user(self, user_id)


class AuthenticateView(OIDCAuthenticationRequestView):
    """``/oidc/authenticate/``: a plain GET that redirects to the provider (state, nonce)."""

    def get_extra_params(self, request):
        return {**super().get_extra_params(request), "redirect_uri": redirect_uri()}


class CallbackView(OIDCAuthenticationCallbackView):
    """``/oidc/callback/``: the provider sends the person back here with a code."""

    @property
    def failure_url(self):
        return resolve_url(self.get_settings("LOGIN_REDIRECT_URL_FAILURE", "oidc:failed"))

    def get(self, request):
        states = request.session.get("oidc_states") or {}
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if state else None
        if entry is not None:  # each state serves once
            request.session["oidc_states"] = states
            request.session.save()
        if request.GET.get("error"):
            return self.refused(request, CANCELLED, "", f"provider error {request.GET['error']!r}")
        if entry is None or not request.GET.get("code"):
            return self.refused(request, FAILED, "", "no code, or a state this browser was "
                                                     "not given")
        # Read the session again after the slow exchange (as mozilla-django-oidc does), so
        # that a parallel tab's changes are not overwritten.
        request.session = request.session.__class__(request.session.session_key)
        backend = OfficialOIDCBackend()
        user = backend.authenticate(request, nonce=entry.get("nonce"),
                                    code_verifier=entry.get("code_verifier"))
        if user is None or not user.is_active:
            reason, identifier, detail = backend.refusal or (DEACTIVATED, "", "inactive")
            return self.refused(request, reason, identifier, detail)
        user.backend = BACKEND
        self.user = user
        return self.login_success()

    def refused(self, request, reason: str, identifier: str, detail: str):
        logger.warning("Single sign-on refused (%s): %s", identifier or "?", detail)
        audit_record(AuditEvent.Kind.LOGIN_FAILED, identifier=identifier, request=request,
                     message=f"single sign-on: {detail}"[:500])
        request.session["oidc_refusal"] = reason
        return redirect(self.failure_url)


def failed(request):
    """``/oidc/failed/`` (LOGIN_REDIRECT_URL_FAILURE): the reason, on the log-in page."""
    reason = request.session.pop("oidc_refusal", FAILED)
    text = REFUSAL_MESSAGES.get(reason, REFUSAL_MESSAGES[FAILED])
    messages.error(request, text % {"provider": provider_name()})
    return redirect(settings.LOGIN_URL)


app_name = "oidc"
urlpatterns = [
    path("authenticate/", AuthenticateView.as_view(), name="authenticate"),
    path("callback/", CallbackView.as_view(), name="callback"),
    path("failed/", failed, name="failed"),
]
