"""The Open311 tests' world: a county with its coordinator's writable system key (the 12345
platform's), another county's key, and a plain HTTP client for the live server."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import pytest

from api.models import ApiToken
from api.services import token_create
from tests.worlds import workflow_world


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self):
        assert self.content_type.startswith("application/json"), self.content_type
        return json.loads(self.body)

    def xml(self) -> ET.Element:
        assert self.content_type.startswith("text/xml"), self.content_type
        return ET.fromstring(self.body)  # noqa: S314 (our own server's answer, in a test)

    @property
    def text(self) -> str:
        return self.body.decode()


class Client:
    """What a 12345 platform would use: urllib against the live server, no Django client."""

    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/open311/v2/"

    def call(self, path: str, *, params=None, form=None, method=None, language="en",
             content_type="application/x-www-form-urlencoded", body=None) -> Answer:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = body
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept-Language", language)
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return Answer(response.status, response.headers["Content-Type"], response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers["Content-Type"], error.read())

    def get(self, path, **params) -> Answer:
        return self.call(path, params=params)

    def post(self, path, form, **options) -> Answer:
        return self.call(path, form=form, **options)


def keyed_world():
    """``tests.worlds.workflow_world`` with keys: ``key`` (the county coordinator's, writable),
    ``other_key`` (another county's), ``read_only_key`` and ``personal_key`` (writable, but a
    personal token)."""
    world = workflow_world()
    users = world.users
    _row, world.key = token_create(user=users["coordinator"], name="12345", writable=True,
                                   kind=ApiToken.Kind.SYSTEM)
    _row, world.other_key = token_create(user=users["other_coordinator"], name="other county",
                                         writable=True, kind=ApiToken.Kind.SYSTEM)
    _row, world.read_only_key = token_create(user=users["coordinator"], name="reader",
                                             kind=ApiToken.Kind.SYSTEM)
    _row, world.personal_key = token_create(user=users["coordinator"], name="mine",
                                            writable=True)
    return world


@pytest.fixture
def world(live_server):
    """The keyed world, with ``client`` speaking HTTP to the live server."""
    world = keyed_world()
    world.client = Client(live_server.url)
    return world
