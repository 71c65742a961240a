"""The error summary above the account forms (templates/_form_errors.html): how many
problems, each a link to its field, the form's own message once."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def summary(page: str) -> str:
    start = page.index('data-testid="error-summary"')
    return page[start:page.index("</div>", start)]


def test_a_wrong_password_is_one_problem_said_once(client):
    UserFactory(username="qian")
    page = log_in(client, "qian", "guess").content.decode()
    box = summary(page)
    assert "There is 1 problem" in box
    assert 'role="alert"' in page and 'tabindex="-1"' in page
    assert "do not match an active account" in box
    assert page.count("do not match an active account") == 1  # not repeated by the form
    assert "js/forms.js" in page  # which focuses the summary when the page opens


def test_blank_fields_are_listed_with_links_to_them(client):
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    box = summary(page)
    assert "There are 2 problems" in box
    assert '<a class="alert-link" href="#id_username">' in box
    assert '<a class="alert-link" href="#id_password">' in box
    assert 'id="id_username"' in page and 'id="id_password"' in page


def test_the_password_change_form_links_to_the_field_in_error(client):
    user = UserFactory()
    client.force_login(user)
    page = client.post(reverse("password_change"), {
        "old_password": "correct horse battery staple",
        "new_password1": "Bamboo-shoots-2027", "new_password2": "Bamboo-shoots-2028",
    }).content.decode()
    assert 'href="#id_new_password2"' in summary(page)


def test_in_chinese_the_heading_counts_the_problems(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert "请检查以下 2 项" in summary(page)


def test_a_form_without_errors_has_no_summary(client):
    assert 'data-testid="error-summary"' not in client.get(reverse("login")).content.decode()
