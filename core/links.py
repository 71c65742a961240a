"""Links that go out by email or SMS and must work outside the browser that made them."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def absolute_url(path: str) -> str:
    """``path`` on the site's public address (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def set_password_url(user) -> str:
    """A one-time link with which a new account sets its first password.

    It stops working once a password is set (the token covers the password hash and the
    last log-in), and after PASSWORD_RESET_TIMEOUT.
    """
    path = reverse(
        "account_activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)
