"""Read-only queries about officials and the part of the city they look after."""

from government.models import Official, Region


def official_for_user(*, user) -> Official | None:
    """The user's Official record, or None.

    Goes through the reverse one-to-one accessor so the row is fetched once per
    user object; its department and region are cached on it the first time they are read.
    """
    if not user.is_authenticated:
        return None
    try:
        return user.official
    except Official.DoesNotExist:
        return None


def region_scope_for_user(*, user) -> Region | None:
    """The region an official's overviews are limited to; None means the whole city.

    Officials of a city-level department, and superusers, see every region; an
    official of a county department sees that county.
    """
    official = official_for_user(user=user)
    if official is None:
        return None
    region = official.department.region
    return None if region.level == Region.Level.CITY else region
