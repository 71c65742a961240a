"""Validators for identifiers users type on day one.

- The 18-character unified social credit code (统一社会信用代码) of GB 32100-2015,
  whose last character is a check digit over the first seventeen.
- Mainland China mobile numbers.

And clean text, for every text anyone types: no control characters (a tab or a line
break only where the field takes several lines), no unpaired surrogates, no non-characters
(``clean_text_problems``, ``validate_clean_text``, ``CleanTextValidator``; every form
applies it through ``core.forms.CleanTextMixin``). The outputs strip the same characters
from what is already stored (``printable_text``), so an old row cannot break an export.
"""

import re
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
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


# --- Clean text ----------------------------------------------------------------------------

#: What a line break or a tab is made of (a browser sends a textarea's lines as CR LF).
LINE_CHARACTERS = "\t\n\r"
#: C0 control characters (U+0000–U+001F), surrogates (U+D800–U+DFFF: in a Python string
#: always unpaired, and never encodable as UTF-8) and the non-characters U+FFFE and U+FFFF
#: (neither is allowed in XML, so no spreadsheet could hold them).
_UNSAFE = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
_UNSAFE_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _strings(value) -> Iterator[str]:
    """The texts inside a value: itself, or those of a list or a dict (a JSON field)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _names(characters) -> str:
    return ", ".join(f"U+{ord(char):04X}" for char in sorted(set(characters)))


def clean_text_problems(value, *, multiline: bool = False) -> list[ValidationError]:
    """What is wrong with a text someone typed, one error per kind of problem (an empty
    list when nothing is). A tab or a line break is allowed only when ``multiline``."""
    found = [char for text in _strings(value) for char in _UNSAFE.findall(text)]
    lines = [char for char in found if char in LINE_CHARACTERS]
    controls = [char for char in found if char < " " and char not in LINE_CHARACTERS]
    broken = [char for char in found if char >= "\ud800"]
    problems = []
    if lines and not multiline:
        problems.append(ValidationError(
            _("This field takes a single line: please remove the line breaks and tabs."),
            code="line_break"))
    if controls:
        problems.append(ValidationError(
            _("This text contains invisible control characters (%(characters)s), often "
              "copied from another program: please delete them."),
            code="control_character", params={"characters": _names(controls)}))
    if broken:
        problems.append(ValidationError(
            _("This text contains a broken character (%(characters)s: half of a character "
              "or a non-character) that cannot be stored: please type it again."),
            code="broken_character", params={"characters": _names(broken)}))
    return problems


def validate_clean_text(value, *, multiline: bool = False) -> None:
    problems = clean_text_problems(value, multiline=multiline)
    if problems:
        raise ValidationError(problems)


@deconstructible
class CleanTextValidator:
    """``validate_clean_text`` as a field validator (a form's, or an API serializer's)."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        validate_clean_text(value, multiline=self.multiline)

    def __eq__(self, other):
        return isinstance(other, CleanTextValidator) and other.multiline == self.multiline


def printable_text(value: str, *, multiline: bool = True) -> str:
    """``value`` without what ``clean_text_problems`` refuses, for an output (a spreadsheet,
    a CSV file, a calendar) that must not break on a row stored before the check existed.
    A multi-line text keeps its tabs and line breaks (CR LF becomes LF); a single line has
    them turned into spaces. A broken character becomes U+FFFD, the replacement character.
    """
    if multiline:
        value = _UNSAFE_BUT_LINES.sub(_replacement, value.replace("\r\n", "\n"))
        return value.replace("\r", "\n")
    return _UNSAFE.sub(_replacement_or_space, value)


def _replacement(match: re.Match) -> str:
    return "\ufffd" if match[0] >= "\ud800" else ""


def _replacement_or_space(match: re.Match) -> str:
    return " " if match[0] in LINE_CHARACTERS else _replacement(match)
