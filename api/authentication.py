"""How a program signs in to the API: ``Authorization: Bearer hzt_<prefix>_<secret>``.

A personal access token acts as its person; a system key as its service account, an
official whose role and department (and so region) every selector reads as for a person.
``request.user`` is that account, ``request.auth`` the ``ApiToken``. A revoked or expired
token is refused at the next request (``api.keys.token_authenticate`` caches nothing).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api.keys import mark_used, token_authenticate

KEYWORD = b"bearer"

MALFORMED = _("The Authorization header must read “Bearer ” followed by the token.")
REFUSED = _("This token is not valid: it may be mistyped, revoked or expired.")


class BearerTokenAuthentication(BaseAuthentication):
    """A token in the ``Authorization`` header. Without one, the next class (the session)
    may sign the request in; a header that names Bearer but no valid token is a 401."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(MALFORMED, code="malformed_token")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(MALFORMED, code="malformed_token") from None
        token = token_authenticate(raw)
        if token is None:
            raise AuthenticationFailed(REFUSED, code="invalid_token")
        mark_used(token)
        return token.user, token

    def authenticate_header(self, request):
        # The first class's challenge decides 401 over 403 for a request without credentials.
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for tokens and system keys."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "hzt_<prefix>_<secret>",
            "description": "A personal access token (/api/tokens/) or a system key.",
        }
