"""Clean text: the one check every form applies (control characters; a tab or a line break
only where the field takes several lines; broken characters), with a message that names
the problem, and the stripping every output applies to what is already stored."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from core.forms import CleanTextForm, CleanTextMixin, with_clean_text
from core.validators import (
    CleanTextValidator,
    clean_text_problems,
    printable_text,
    validate_clean_text,
)


def codes(value, **kwargs) -> list[str]:
    return [problem.code for problem in clean_text_problems(value, **kwargs)]


@pytest.mark.parametrize("value", [
    "湖州丝路纺织科技有限公司", "Zhili children's wear, 2026 → 2027", "emoji 🚀 and RTL \u202eabc",
    "", "a\u00a0b", "\x7f", "\u0085",  # DEL and NEL are not C0: harmless to XML and forms
])
def test_ordinary_text_has_no_problem(value):
    assert codes(value) == []
    validate_clean_text(value)


@pytest.mark.parametrize("char", [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"])
def test_every_c0_control_character_is_refused_everywhere(char):
    assert codes(f"停车{char}难", multiline=False) == ["control_character"]
    assert codes(f"停车{char}难", multiline=True) == ["control_character"]


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\r\n"])
def test_tabs_and_line_breaks_only_in_a_multi_line_field(char):
    assert codes(f"第一行{char}第二行", multiline=False) == ["line_break"]
    assert codes(f"第一行{char}第二行", multiline=True) == []


@pytest.mark.parametrize("char", ["\ud800", "\udfff", "\ud83d", "\ufffe", "\uffff"])
def test_unpaired_surrogates_and_non_characters_are_refused(char):
    assert codes(f"a{char}b", multiline=True) == ["broken_character"]


def test_the_messages_name_each_problem_and_its_characters():
    with pytest.raises(ValidationError) as refused:
        validate_clean_text("a\x01b\x1fc\nd\ud800")
    with translation.override("en"):
        messages = refused.value.messages
    assert messages == [
        "This field takes a single line: please remove the line breaks and tabs.",
        "This text contains invisible control characters (U+0001, U+001F), often copied from "
        "another program: please delete them.",
        "This text contains a broken character (U+D800: half of a character or a "
        "non-character) that cannot be stored: please type it again.",
    ]
    with translation.override("zh-hans"):
        [message] = clean_text_problems("a\x01b")[0].messages
    assert "U+0001" in message and "控制字符" in message


def test_a_json_value_is_checked_string_by_string():
    assert codes({"title": ["ok", "bad\x01"]}) == ["control_character"]
    assert codes({"bad\x02key": 1}) == ["control_character"]
    assert codes([1, None, 2.5]) == []


def test_the_validator_is_a_field_validator_for_forms_and_future_apis():
    assert CleanTextValidator(multiline=True) == CleanTextValidator(multiline=True)
    assert CleanTextValidator() != CleanTextValidator(multiline=True)
    CleanTextValidator(multiline=True)("a\nb")
    with pytest.raises(ValidationError):
        CleanTextValidator()("a\nb")


class Sample(CleanTextForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea, required=False)
    email = forms.EmailField(required=False)
    kept = forms.CharField(disabled=True, required=False)


def field_codes(form, name) -> list[str]:
    return [error.code for error in form.errors.as_data().get(name, [])]


def test_a_form_refuses_control_characters_beside_the_field():
    form = Sample({"title": "停车\x01难", "description": "第一行\x02"})
    assert field_codes(form, "title") == ["control_character"]
    assert field_codes(form, "description") == ["control_character"]


def test_a_form_takes_line_breaks_only_in_its_textareas():
    form = Sample({"title": "第一行\n第二行", "description": "第一行\r\n\t第二行"})
    assert field_codes(form, "title") == ["line_break"]
    assert field_codes(form, "description") == []
    good = Sample({"title": "停车难", "description": "第一行\r\n第二行"})
    assert good.is_valid(), good.errors
    assert good.cleaned_data["description"] == "第一行\r\n第二行"


def test_a_field_added_or_changed_after_init_is_checked_too():
    form = Sample({"title": "ok", "late": "a\x01b", "description": "a\nb"})
    form.fields["late"] = forms.CharField()
    form.fields["description"].widget = forms.TextInput()
    assert field_codes(form, "late") == ["control_character"]
    assert field_codes(form, "description") == ["line_break"]


def test_a_disabled_field_keeps_its_stored_value_unchecked():
    form = Sample({"title": "ok"}, initial={"kept": "old\x01value"})
    assert form.is_valid(), form.errors


def test_checking_twice_adds_the_check_once():
    form = Sample({"title": "ok"})
    form.full_clean()
    form.full_clean()
    assert sum(isinstance(check, CleanTextValidator)
               for check in form.fields["title"].validators) == 1


def test_a_library_form_gets_the_check_by_with_clean_text():
    class Library(forms.Form):
        name = forms.CharField()

    guarded = with_clean_text(Library)
    assert issubclass(guarded, CleanTextMixin) and issubclass(guarded, Library)
    assert guarded.__name__ == "Library"
    assert with_clean_text(guarded) is guarded
    assert field_codes(guarded({"name": "a\x01"}), "name") == ["control_character"]
    assert Library({"name": "a\x01"}).is_valid()  # the library's own class is unchanged


@pytest.mark.parametrize(("stored", "multiline", "shown"), [
    ("停车\x01难", True, "停车难"),
    ("第一行\r\n第二行\r第三行\t", True, "第一行\n第二行\n第三行\t"),
    ("第一行\r\n第二行\t!", False, "第一行  第二行 !"),
    ("broken\ud800\uffff", True, "broken\ufffd\ufffd"),
    ("\x00\x08\x0b\x0c\x0e\x1f", True, ""),
    ("plain", False, "plain"),
])
def test_outputs_strip_what_the_forms_refuse(stored, multiline, shown):
    assert printable_text(stored, multiline=multiline) == shown
    assert codes(printable_text(stored, multiline=multiline), multiline=multiline) == []


def test_a_library_form_whose_clean_reads_a_refused_field_shows_the_error_not_a_500():
    class Library(forms.Form):  # as django-celery-beat's task form does: data["task"]
        task = forms.CharField(required=False)

        def clean(self):
            data = super().clean()
            if not data["task"]:
                raise ValidationError("Need name of task")
            return data

    form = with_clean_text(Library)({"task": "celery\x01"})
    assert field_codes(form, "task") == ["control_character"]
    assert with_clean_text(Library)({"task": ""}).errors == {"__all__": ["Need name of task"]}
