"""One date format per language (core.formats, core.dates) and required fields marked once,
centrally (core.templatetags.form_marks)."""

from datetime import date, datetime

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.dates import day_shown, moment_shown
from tests.helpers import SHANGHAI


@pytest.mark.parametrize(("language", "day", "moment"), [
    ("zh-hans", "2027年1月4日", "2027年1月4日 14:30"),
    ("en", "4 Jan 2027", "4 Jan 2027, 14:30"),
])
def test_pages_and_messages_print_one_date_format_per_language(language, day, moment):
    at_half_past_two = datetime(2027, 1, 4, 14, 30, tzinfo=SHANGHAI)
    page = Template('{{ day|date:"DATE_FORMAT" }}|{{ day|date }}|{{ at|date:"DATETIME_FORMAT" }}')
    with translation.override(language):
        assert page.render(Context({"day": date(2027, 1, 4), "at": at_half_past_two})) == (
            f"{day}|{day}|{moment}")
        assert day_shown(date(2027, 1, 4)) == day  # flash messages, timeline, notices
        assert day_shown(at_half_past_two) == day
        assert moment_shown(at_half_past_two) == moment
        assert day_shown(None) == "—"


class Asks(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


class AsksNothing(forms.Form):
    note = forms.CharField(required=False)
    token = forms.CharField(widget=forms.HiddenInput)


@pytest.mark.parametrize(("form", "legend"), [(Asks(), True), (AsksNothing(), False)])
def test_the_legend_is_there_when_a_form_asks_for_something(form, legend):
    with translation.override("zh-hans"):
        rendered = Template("{% load form_marks %}{% required_legend %}").render(
            Context({"form": form}))
    assert ("标有 * 的为必填项。" in rendered) is legend


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "legend"), [
    ("zh-hans", "标有 * 的为必填项。"), ("en", "Fields marked with * are required.")])
def test_the_sign_up_form_marks_its_required_fields(client, language, legend):
    page = client.get(reverse("entrepreneurs:signup"),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert page.count('data-testid="required-legend"') == 1
    assert legend in page
    assert page.count('class="asteriskField"') > 3  # one after each required field's label
