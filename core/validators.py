"""Validators for identifiers users type on day one.

- The 18-character unified social credit code (统一社会信用代码) of GB 32100-2015,
  whose last character is a check digit over the first seventeen.
- Mainland China mobile numbers.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 uses the digits and 21 capital letters: no I, O, Z, S or V.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Position 1: the registration authority (登记管理部门代码).
CREDIT_CODE_AUTHORITIES = "123456789ANY"
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize_credit_code(value: str) -> str:
    """Upper-case and strip the spaces people paste in with a code."""
    return re.sub(r"\s+", "", value or "").upper()


def credit_code_check_character(first_seventeen: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(char) * weight
        for char, weight in zip(first_seventeen, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    bad = sorted({char for char in code if char not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (I, O, Z, S and V are "
              "never used)."),
            code="charset",
            params={"chars": "、".join(bad)},
        )
    if code[0] not in CREDIT_CODE_AUTHORITIES or not _CREDIT_CODE_SHAPE.match(code):
        raise ValidationError(
            _("This does not have the layout of a unified social credit code: a registration "
              "authority, a type, a six-digit region code, then the organisation code."),
            code="layout",
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check digit does not match: please check the code for a mistyped or "
              "swapped character."),
            code="check_digit",
        )


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    """Drop spaces, dashes and a +86 / 0086 prefix."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits


def validate_mobile(value: str) -> None:
    if not _MOBILE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 13–19, e.g. 13812345678."),
            code="mobile",
        )
