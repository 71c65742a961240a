"""Django's stock messages in the site's Chinese: 您 and 请, never 你 or a bare command.

``locale_overrides/zh_Hans/LC_MESSAGES`` rewords the stock entries (LOCALE_PATHS reads it
before the libraries' catalogues); each override must still be one of Django's msgids, or a
Django upgrade that reworded the English would silently bring 你 back."""

import gettext
from pathlib import Path

import django
import pytest
from django.urls import reverse

from tests.factories import EntrepreneurFactory, UserFactory
from tests.test_translations import ROOT, read_po

OVERRIDES = ROOT / "locale_overrides" / "zh_Hans" / "LC_MESSAGES"
DJANGO = Path(django.__file__).parent
STOCK = {
    "django.po": [DJANGO / "conf/locale/zh_Hans/LC_MESSAGES/django.po",
                  DJANGO / "contrib/auth/locale/zh_Hans/LC_MESSAGES/django.po",
                  DJANGO / "contrib/admin/locale/zh_Hans/LC_MESSAGES/django.po"],
    "djangojs.po": [DJANGO / "contrib/admin/locale/zh_Hans/LC_MESSAGES/djangojs.po"],
}


def texts(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.mark.parametrize("name", sorted(STOCK))
def test_each_override_is_a_django_msgid_said_with_nin(name):
    stock = {entry["msgid"] for path in STOCK[name] for entry in read_po(path)}
    overrides = read_po(OVERRIDES / name)
    assert len(overrides) > 5
    assert [e["msgid"] for e in overrides if e["msgid"] not in stock] == []
    assert [e["msgid"] for e in overrides if any("你" in text for text in texts(e))] == []
    with open(OVERRIDES / name.replace(".po", ".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in overrides:
        if "msgid_plural" in entry:
            found = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
        else:
            found = compiled.gettext(entry["msgid"])
        assert found == texts(entry)[0], f"{name}: run compilemessages"


@pytest.mark.parametrize("name", sorted(STOCK))
def test_every_stock_message_that_says_ni_is_overridden(name):
    overridden = {entry["msgid"] for entry in read_po(OVERRIDES / name)}
    project = {entry["msgid"] for entry in read_po(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")}
    saying_ni = {entry["msgid"] for path in STOCK[name] for entry in read_po(path)
                 if any("你" in text for text in texts(entry))}
    assert saying_ni - overridden - project == set()


@pytest.mark.django_db
def test_the_password_change_page_says_nin(client):
    person = EntrepreneurFactory(user=UserFactory())
    client.force_login(person.user)
    response = client.post(reverse("password_change"), {
        "old_password": "not it", "new_password1": "12345678", "new_password2": "12345678"},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert "您输入的原密码不正确，请重新输入。" in page
    assert "您的密码不能全是数字。" in page  # the validators' help under the field
    assert "你" not in page
