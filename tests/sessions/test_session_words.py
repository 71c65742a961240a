"""Sessions in the programme's words: the host by name and post (never a login), dates as
pages print them, Django's own refusals said with 请/您."""

import pytest
from django.urls import reverse

from sessions.models import TalkSession
from tests.helpers import signed_in as login
from tests.sessions.screens import LIST_URL, NEW_URL, make_session
from tests.worlds import session_screens_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    """``tests.worlds.session_screens_world``: Wuxing and Anji, the clock standing still."""
    yield from session_screens_world(settings)


@pytest.mark.parametrize("url_name", ["sessions:detail", "sessions:list"])
def test_an_entrepreneur_sees_the_host_by_name_and_post(client, world, url_name):
    world.host.user.username = "wuxing-coordinator"
    world.host.user.save(update_fields=["username"])
    session = make_session(world.county, host=world.host, status=TalkSession.Status.OPEN)
    login(client, world.users["person"])
    url = (reverse(url_name, args=[session.pk]) if url_name == "sessions:detail"
           else LIST_URL)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{world.host.name} ({world.host.title})" in page  # 王局长 (科员)
    assert "wuxing-coordinator" not in page


def test_a_session_names_its_day_as_pages_do(world):
    session = make_session(world.county)  # Wednesday 4 March 2026
    assert str(session).endswith("2026年3月4日")


def test_too_many_places_is_refused_with_please_not_a_bare_command(client, world):
    login(client, world.users["coordinator"])
    data = {"region": world.county.pk, "kind": "talk", "theme": "数字经济专场",
            "day": "2026-03-11", "start": "14:30", "end": "16:30", "venue": "吴兴区政府 3 楼",
            "capacity": "5000", "status": TalkSession.Status.OPEN}
    page = client.post(NEW_URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "请输入不大于1000的值。" in page
    assert "确保该值" not in page
    assert not TalkSession.objects.exists()
