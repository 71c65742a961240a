"""Identifiers people type on day one: the unified social credit code and mobile numbers."""

import pytest
from django.core.exceptions import ValidationError

from core.validators import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)

# Published on real business licences (Alibaba, Ping An Bank, Huawei, Tencent, a Beijing firm).
REAL_CODES = [
    "91330100799655058B",
    "914403001922038216",
    "91440300708461136T",
    "9144030071526726XG",
    "91110000600037341L",
]
VALID = REAL_CODES[0]


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_published_codes_are_accepted(code):
    validate_credit_code(code)
    assert credit_code_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", [VALID[:17], VALID + "0", "", "9133"])
def test_wrong_length_is_refused_with_the_count(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == "length"
    assert excinfo.value.params == {"count": len(code)}


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_the_standard_never_uses_are_refused(letter):
    code = VALID[:10] + letter + VALID[11:]
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == "charset"
    assert letter in excinfo.value.params["chars"]


@pytest.mark.parametrize("first", ["0", "B", "C", "X"])
def test_unknown_registration_authority_is_refused(first):
    # Give it a correct check digit so that only the authority is wrong.
    body = first + VALID[1:17]
    assert error_code(validate_credit_code, body + credit_code_check_character(body)) == "layout"


@pytest.mark.parametrize("position", range(2, 8))
def test_a_letter_in_the_region_code_is_refused(position):
    body = VALID[:position] + "A" + VALID[position + 1:17]
    assert error_code(validate_credit_code, body + credit_code_check_character(body)) == "layout"


@pytest.mark.parametrize("position", range(18))
def test_every_single_character_substitution_is_caught(position):
    for replacement in CREDIT_CODE_CHARSET:
        if replacement == VALID[position]:
            continue
        corrupted = VALID[:position] + replacement + VALID[position + 1:]
        with pytest.raises(ValidationError):
            validate_credit_code(corrupted)


# Swapping two equal neighbours changes nothing, so only distinct pairs are tried.
@pytest.mark.parametrize("position", [i for i in range(17) if VALID[i] != VALID[i + 1]])
def test_every_adjacent_transposition_is_caught(position):
    chars = list(VALID)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    with pytest.raises(ValidationError):
        validate_credit_code("".join(chars))


def test_a_mistyped_check_digit_names_the_check_digit():
    wrong_check = "0" if VALID[17] != "0" else "1"
    assert error_code(validate_credit_code, VALID[:17] + wrong_check) == "check_digit"


def test_lower_case_and_spaces_are_normalised():
    pasted = " 9133 0100 7996 5505 8b \t"
    assert normalize_credit_code(pasted) == VALID
    validate_credit_code(pasted)
    validate_credit_code(VALID.lower())
    assert normalize_credit_code(None) == ""


# --- Mobile numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["13812345678", "15900000000", "19912345678", "17012345678"])
def test_valid_mobile_numbers(number):
    validate_mobile(number)
    assert normalize_mobile(number) == number


@pytest.mark.parametrize(
    "typed",
    ["+8613812345678", "008613812345678", "+86 138 1234 5678", "138-1234-5678",
     "(138) 1234 5678", "0086 138-1234-5678"],
)
def test_prefixes_spaces_and_dashes_are_normalised(typed):
    assert normalize_mobile(typed) == "13812345678"
    validate_mobile(typed)


@pytest.mark.parametrize(
    "number",
    ["1381234567", "138123456789", "", "12812345678", "10812345678", "11812345678",
     "1381234567a", "phone", "23812345678", "+8712812345678"],
)
def test_invalid_mobile_numbers_are_refused(number):
    assert error_code(validate_mobile, number) == "mobile"
