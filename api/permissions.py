"""What a token may do beyond what its account may: a read-only token only reads."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken


class TokenMayWrite(BasePermission):
    """Refuse GET/HEAD/OPTIONS-only tokens any other method (403 with the reason). Requests
    signed in by the session are not concerned."""

    message = _("This token may only read. Create a read-write token to change data.")
    code = "read_only_token"

    def has_permission(self, request, view):
        token = request.auth
        if request.method in SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.writable


class PersonalTokensOnly(BasePermission):
    """Personal tokens are managed by their person: a system key may not make more keys."""

    message = _("A system key cannot manage tokens. An administrator issues system keys.")
    code = "system_key_refused"

    def has_permission(self, request, view):
        token = request.auth
        return not (isinstance(token, ApiToken) and token.kind == ApiToken.Kind.SYSTEM)
