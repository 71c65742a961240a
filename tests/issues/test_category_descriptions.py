"""Each of the six environments says what it covers, under its choice on the issue form, in
the page's language; the issues migration and the demo's reference data say the same."""

import importlib

import pytest

from demo import data
from tests.issues.screens import NEW_URL, page_of
from tests.worlds import issue_screens_world

DESCRIPTIONS = importlib.import_module("issues.migrations.0007_category_descriptions")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown", "hidden"), [
    ("zh-hans", "土地、水电气、融资、用工", "Land, power"),
    ("en", "Land, power, water and gas", "土地、水电气"),
])
def test_the_issue_form_explains_each_category_in_the_pages_language(
        client, language, shown, hidden):
    world = issue_screens_world()
    world.category.description, world.category.description_en = (
        data.CATEGORY_DESCRIPTIONS["factor-supply"])
    world.category.save(update_fields=["description", "description_en"])
    page = page_of(client, world.users["entrepreneur"], NEW_URL,
                   HTTP_ACCEPT_LANGUAGE=language).content.decode()
    start = page.index('data-testid="category-description"')
    under_the_choice = page[start:page.index("</span>", start)]
    assert shown in under_the_choice
    assert hidden not in under_the_choice


def test_the_six_environments_are_described_alike_in_the_migration_and_the_demo():
    codes = [row[0] for row in data.CATEGORIES]
    assert set(codes) == set(data.CATEGORY_DESCRIPTIONS) == set(DESCRIPTIONS.DESCRIPTIONS)
    assert DESCRIPTIONS.DESCRIPTIONS == data.CATEGORY_DESCRIPTIONS
    for chinese, english in data.CATEGORY_DESCRIPTIONS.values():
        assert "例如" in chinese and "e.g." in english  # one line, with examples
