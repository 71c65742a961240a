"""The single-use link with which a person added without an account (at the door, or from
an imported list) claims one: ``/c/<token>``, sent by SMS to their mobile.

The token is Django's password-reset kind, keyed on the person instead of a user: their
primary key, their mobile (so it proves the number it was sent to) and their account, which
is none until they claim it. Once claimed (or once the mobile changes or is erased) the
token no longer matches; after ``CLAIM_LINK_MAX_AGE`` it has expired.
"""

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, int_to_base36

from entrepreneurs.models import Entrepreneur

#: How long a claim link works.
CLAIM_LINK_MAX_AGE = timedelta(days=30)


class ClaimLinkError(Exception):
    """The link cannot be used; ``reason`` is ``USED``, ``EXPIRED`` or ``INVALID``."""

    USED = "used"
    EXPIRED = "expired"
    INVALID = "invalid"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ClaimTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "entrepreneurs.tokens.ClaimTokenGenerator"

    def _make_hash_value(self, person: Entrepreneur, timestamp: int) -> str:
        return f"{person.pk}:{person.mobile}:{person.user_id}:{timestamp}"

    def matches(self, person: Entrepreneur, token: str) -> int | None:
        """The token's timestamp if its signature is right for ``person``; else None."""
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return None
        for secret in (self.secret, *self.secret_fallbacks):
            if constant_time_compare(
                    self._make_token_with_timestamp(person, timestamp, secret), token):
                return timestamp
        return None

    def expired(self, timestamp: int) -> bool:
        return self._num_seconds(self._now()) - timestamp > CLAIM_LINK_MAX_AGE.total_seconds()


claim_tokens = ClaimTokenGenerator()


def claim_token_make(person: Entrepreneur) -> str:
    """``<person in base 36>-<time>-<signature>``: the last part of the claim link."""
    return f"{int_to_base36(person.pk)}-{claim_tokens.make_token(person)}"


def claim_token_person(token: str, *, for_update: bool = False) -> Entrepreneur:
    """The person the token was made for, if it is theirs, unused and not expired; else
    ``ClaimLinkError`` saying which (an altered or unknown token is ``INVALID``)."""
    try:
        pk_b36, rest = token.split("-", 1)
        pk = base36_to_int(pk_b36)
    except ValueError:
        raise ClaimLinkError(ClaimLinkError.INVALID) from None
    people = Entrepreneur.objects.select_related("enterprise__region")
    if for_update:
        people = people.select_for_update(of=("self",))
    person = people.filter(pk=pk).first() if pk < 2**63 else None
    if person is None:
        raise ClaimLinkError(ClaimLinkError.INVALID)
    timestamp = claim_tokens.matches(person, rest)
    if timestamp is None:
        if person.user_id is not None and _made_before_claim(person, rest):
            raise ClaimLinkError(ClaimLinkError.USED)
        raise ClaimLinkError(ClaimLinkError.INVALID)
    if claim_tokens.expired(timestamp):
        raise ClaimLinkError(ClaimLinkError.EXPIRED)
    return person


def _made_before_claim(person: Entrepreneur, token: str) -> bool:
    """Whether the token was right for the person before they claimed their account."""
    unclaimed = Entrepreneur(pk=person.pk, mobile=person.mobile, user=None)
    return claim_tokens.matches(unclaimed, token) is not None
