"""Read-only queries about officials and the part of the city they look after."""

from django.db.models import Q, QuerySet

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


# --- Officials' accounts ------------------------------------------------------------------



def _official_scope(user) -> tuple[str, object]:
    """Which officials the user may see, as ("all" | "none" | "department" | "region", value)."""
    if not user.is_authenticated or not user.is_active:
        return ("none", None)
    if user.is_superuser:
        return ("all", None)
    if not user.has_perm("government.view_official"):
        return ("none", None)
    official = official_for_user(user=user)
    if official is None:
        return ("none", None)
    if official.role in Official.DEPARTMENT_ROLES:
        return ("department", official.department)
    region = region_scope_for_user(user=user)
    return ("all", None) if region is None else ("region", region)


def officials_for_user(*, user) -> QuerySet[Official]:
    """Every official whose account the user may see; anyone else answers "not found".

    * an administrator (superuser) sees all;
    * without the permission government.view_official (handlers, entrepreneurs): nobody;
    * a department lead: the officials of their own department;
    * a coordinator or leader of the city: all; of a county: the county's departments';
    * a deactivated account: nobody.
    """
    kind, value = _official_scope(user)
    if kind == "all":
        return Official.objects.all()
    if kind == "department":
        return Official.objects.filter(department=value)
    if kind == "region":
        return Official.objects.filter(department__region=value)
    return Official.objects.none()


def official_regions_for_user(*, user) -> QuerySet[Region]:
    """The regions whose officials the user may see (the choices of the list's filter)."""
    kind, value = _official_scope(user)
    if kind == "all":
        return Region.objects.order_by("sort_order", "code")
    if kind == "department":
        return Region.objects.filter(pk=value.region_id)
    if kind == "region":
        return Region.objects.filter(pk=value.pk)
    return Region.objects.none()


def official_list_for_user(
    *, user, search: str = "", role: str = "", region: Region | None = None,
    active: bool | None = None,
) -> QuerySet[Official]:
    """The officials the user may see, filtered, with user, department and region joined.

    ``search`` matches the name, the email, or the department's name in either language.
    Ordered by region, department, name, then id, so pages never overlap.
    """
    officials = officials_for_user(user=user)
    search = search.strip()
    if search:
        officials = officials.filter(
            Q(name__icontains=search)
            | Q(user__email__icontains=search)
            | Q(department__name__icontains=search)
            | Q(department__name_en__icontains=search)
        )
    if role:
        officials = officials.filter(role=role)
    if region is not None:
        officials = officials.filter(department__region=region)
    if active is not None:
        officials = officials.filter(user__is_active=active)
    return officials.select_related("user", "department__region").order_by(
        "department__region__sort_order", "department__name", "name", "id"
    )


def official_in_scope_for_user(*, user, pk: int) -> Official:
    """One official, if the user may see them; raises Official.DoesNotExist otherwise."""
    return officials_for_user(user=user).select_related("user", "department__region").get(pk=pk)


def coordinators_covering(*, region: Region) -> QuerySet[Official]:
    """Active coordinators whose scope covers ``region``: its own county's, and the city's."""
    return (
        Official.objects.filter(
            role=Official.Role.COORDINATOR, user__is_active=True, department__is_active=True
        )
        .filter(Q(department__region=region) | Q(department__region__level=Region.Level.CITY))
        .select_related("user")
        .order_by("pk")
    )


def user_label(user) -> str:
    """How an account is named to others: the official's name, else the account's own."""
    if user is None:
        return ""
    official = official_for_user(user=user)
    if official is not None:
        return official.name
    return user.get_full_name() or user.get_username()
