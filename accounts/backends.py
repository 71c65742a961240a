"""Log-in by mobile number, email or user name, with one password."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from core.validators import normalize_mobile


def login_identifier(value: str) -> str:
    """The form a log-in name is compared (and counted for lock-out) in.

    "+86 139 0572 0001" and "13905720001" are one person; so are "Qian@Example.com" and
    "qian@example.com".
    """
    value = (value or "").strip()
    mobile = normalize_mobile(value)
    if mobile.isdigit() and len(mobile) == 11:
        return mobile
    return value.lower() if "@" in value else value


def accounts_matching(identifier: str, *, limit: int = 2) -> list:
    """Accounts whose user name, email (any case) or person's mobile is ``identifier``."""
    identifier = login_identifier(identifier)
    if not identifier:
        return []
    return list(
        get_user_model()
        .objects.filter(
            Q(username=identifier)
            | Q(email__iexact=identifier)
            | Q(entrepreneur__mobile=identifier)
            | Q(official__mobile=identifier)
        )
        .distinct()[:limit]
    )


def axes_username(request, credentials) -> str:
    """What django-axes counts failures against (AXES_USERNAME_CALLABLE): the account.

    Whether a person types their mobile, their email or their user name, the failures add
    up on one account, and a success by any of them clears them. An identifier that names
    no single account is counted as typed (normalised).
    """
    typed = request.POST.get("username") if request is not None else None
    typed = typed or (credentials or {}).get("username") or ""
    matches = accounts_matching(typed)
    return matches[0].get_username() if len(matches) == 1 else login_identifier(typed)


class IdentifierBackend(ModelBackend):
    """Finds the account by user name, email (any case) or the mobile of its person record.

    When an identifier matches more than one account (two old accounts sharing an email,
    say) nobody is let in by it: the person must use another identifier.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        candidates = accounts_matching(username)
        if len(candidates) != 1:
            # Run the hasher anyway so that timing does not tell whether the account exists.
            get_user_model()().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
