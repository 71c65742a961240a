"""The issues' tests: the world most of them share (a module that needs another overrides it)."""

import pytest

from tests.worlds import workflow_world


@pytest.fixture
def world():
    """A county with a lead department (a handler and its lead), an assisting department of
    the city, the coordinators, and a verified entrepreneur (``tests.worlds.workflow_world``)."""
    return workflow_world()
