"""Which kind of user someone is, decided in one place.

Issue 3 turns roles into Django groups and adds object scope; until then a
user's role comes from their Official or Entrepreneur record.
"""

from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    ADMIN = "admin"
    LEADER = "leader"
    COORDINATOR = "coordinator"
    DEPARTMENT_LEAD = "department_lead"
    HANDLER = "handler"
    ENTREPRENEUR = "entrepreneur"
    NONE = "none"  # signed in, but neither an official nor an entrepreneur


def user_role(user) -> Role:
    if not user.is_authenticated:
        return Role.ANONYMOUS
    if user.is_superuser:
        return Role.ADMIN
    official = getattr(user, "official", None)
    if official is not None:
        return Role(official.role)
    if getattr(user, "entrepreneur", None) is not None:
        return Role.ENTREPRENEUR
    return Role.NONE
