"""The officials' DingTalk page (/inbox/settings/): an official sets their DingTalk user id
and switches the mirror on and off; a mistake gets the error summary and a 400; an
entrepreneur is refused with the reason, and their inbox never links to it."""

import pytest
from django.urls import reverse

from notifications.models import ChannelPreference
from tests.factories import DepartmentFactory, EntrepreneurFactory
from tests.helpers import signed_in
from tests.worlds import R, official_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = reverse("notifications:settings")


@pytest.fixture
def official():
    return official_user(R.DEPARTMENT_LEAD, DepartmentFactory())


def test_an_official_switches_dingtalk_on_and_off(client, settings, official):
    settings.DINGTALK_BACKEND = "notifications.providers.dingtalk.DingTalkBackend"
    signed_in(client, official)
    assert "Receive your messages on DingTalk" in client.get(
        reverse("notifications:inbox")).content.decode()
    page = client.get(URL)
    assert page.status_code == 200
    assert "Your messages are not sent to DingTalk." in page.content.decode()

    response = client.post(URL, {"dingtalk_userid": " manager4220 ", "dingtalk_enabled": "on"},
                           follow=True)
    assert "Your messages will also be sent to DingTalk." in response.content.decode()
    assert "Your messages are also sent to DingTalk." in response.content.decode()
    preference = ChannelPreference.objects.get(user=official)
    assert (preference.dingtalk_userid, preference.dingtalk_enabled) == ("manager4220", True)

    response = client.post(URL, {"dingtalk_userid": "manager4220"}, follow=True)
    assert "Your messages will no longer be sent to DingTalk." in response.content.decode()
    assert ChannelPreference.objects.get(user=official).dingtalk_enabled is False


def test_switching_on_without_a_user_id_is_explained(client, official):
    response = signed_in(client, official).post(URL, {"dingtalk_enabled": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-summary"' in html
    assert 'href="#id_dingtalk_userid"' in html
    assert "Enter your DingTalk user id to receive your messages there." in html
    assert not ChannelPreference.objects.exists()


def test_a_user_id_with_odd_characters_is_refused(client, official):
    response = signed_in(client, official).post(
        URL, {"dingtalk_userid": "<script>", "dingtalk_enabled": "on"})
    assert response.status_code == 400
    assert "letters, digits and - _ . @ only" in response.content.decode()
    assert not ChannelPreference.objects.exists()


def test_the_page_says_when_dingtalk_is_not_connected(client, settings, official):
    settings.DINGTALK_BACKEND = ""
    html = signed_in(client, official).get(URL).content.decode()
    assert 'data-testid="channel-settings-off"' in html


def test_an_entrepreneur_is_refused_and_never_offered_it(client, settings):
    settings.DINGTALK_BACKEND = "notifications.providers.dingtalk.DingTalkBackend"
    person = EntrepreneurFactory(with_user=True)
    signed_in(client, person.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Only officials can have their messages sent to DingTalk." in response.content.decode()
    assert client.post(URL, {"dingtalk_userid": "x", "dingtalk_enabled": "on"}).status_code == 403
    assert not ChannelPreference.objects.exists()
    assert "inbox-dingtalk-settings" not in client.get(
        reverse("notifications:inbox")).content.decode()


def test_someone_signed_out_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_page_is_in_chinese_by_default(client, official):
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    html = signed_in(client, official).get(URL).content.decode()
    assert "钉钉" in html
    assert "Messages on DingTalk" not in html
