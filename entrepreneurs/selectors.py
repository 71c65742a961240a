"""Read-only queries about entrepreneurs and their enterprises, scoped to the user who asks.

``entrepreneurs_for_user`` decides which people an official may look up; the directory,
the verification queue and each person's page start from it. Who sees a person's mobile
and email in full is ``can_see_contact``: the people who handle them.
"""

from django.db.models import Prefetch, Q, QuerySet

from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official, Region
from government.selectors import official_for_user, region_scope_for_user

#: Officials holding this permission (coordinators) handle the people of their region.
VIEW_PERMISSION = "entrepreneurs.view_entrepreneur"
VERIFY_PERMISSION = "entrepreneurs.verify_entrepreneur"


def entrepreneur_for_user(*, user) -> Entrepreneur | None:
    """The signed-in user's Entrepreneur record with enterprise and region, or None.

    Read once per user object: the home page, the navigation and the issue scope all ask.
    """
    if not user.is_authenticated:
        return None
    if "_entrepreneur_record" not in user.__dict__:
        user.__dict__["_entrepreneur_record"] = (
            Entrepreneur.objects.select_related("enterprise__region").filter(user=user).first()
        )
    return user.__dict__["_entrepreneur_record"]


def _scoped(*, user, permission: str) -> QuerySet[Entrepreneur]:
    """People whose enterprise lies in the region scope of a user holding ``permission``.

    An administrator sees everybody; an official with the permission sees the city's people
    (a city-level department) or the county's (a county department); anybody else nobody.
    """
    if not user.is_authenticated or not user.is_active:
        return Entrepreneur.objects.none()
    if user.is_superuser:
        return Entrepreneur.objects.all()
    if not user.has_perm(permission) or official_for_user(user=user) is None:
        return Entrepreneur.objects.none()
    region = region_scope_for_user(user=user)
    if region is None:
        return Entrepreneur.objects.all()
    return Entrepreneur.objects.filter(enterprise__region=region)


def entrepreneurs_for_user(*, user) -> QuerySet[Entrepreneur]:
    """Every person the user may look up; anyone else answers "not found".

    Administrators: all. Coordinators and leaders: the whole city, or their county.
    Department handlers, entrepreneurs and anybody else: nobody.
    """
    return _scoped(user=user, permission=VIEW_PERMISSION)


def entrepreneur_directory_for_user(
    *, user, search: str = "", verification: str = "", region: Region | None = None
) -> QuerySet[Entrepreneur]:
    """The directory: the user's people, searched and filtered, in a stable order.

    ``search`` matches the person's name, the enterprise's name or its credit code. One
    query for a page of rows, whatever their number.
    """
    people = entrepreneurs_for_user(user=user).select_related("enterprise__region")
    search = (search or "").strip()
    if search:
        code = "".join(search.split()).upper()
        people = people.filter(
            Q(name__icontains=search)
            | Q(enterprise__name__icontains=search)
            | Q(enterprise__credit_code__startswith=code)
        )
    if verification:
        people = people.filter(verification=verification)
    if region is not None:
        people = people.filter(enterprise__region=region)
    return people.order_by("name", "id")


def entrepreneur_in_scope(*, user, pk: int) -> Entrepreneur:
    """One person the user may look up; raises Entrepreneur.DoesNotExist otherwise."""
    return entrepreneurs_for_user(user=user).select_related(
        "enterprise__region", "user", "verified_by"
    ).get(pk=pk)


def pending_entrepreneurs_for_user(*, user) -> QuerySet[Entrepreneur]:
    """People waiting for verification whom the user may verify, oldest sign-up first.

    Coordinators: the people of their scope (a city coordinator: all); administrators: all;
    anybody else: nobody.
    """
    return (
        _scoped(user=user, permission=VERIFY_PERMISSION)
        .filter(verification=Entrepreneur.Verification.PENDING)
        .select_related("enterprise__region", "user")
        .order_by("created_at", "id")
    )


def verifiable_entrepreneurs_for_user(*, user) -> QuerySet[Entrepreneur]:
    """People (in any verification state) whose verification the user may decide."""
    return _scoped(user=user, permission=VERIFY_PERMISSION)


def may_verify(*, user) -> bool:
    """An administrator, or an official who may verify people (a coordinator)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (
        user.has_perm(VERIFY_PERMISSION) and official_for_user(user=user) is not None
    )


def _covers(scope: Region | None, region_id: int) -> bool:
    """Whether an official's region scope (None: the whole city) includes the region."""
    return scope is None or region_id == scope.pk


def can_see_contact(user, entrepreneur: Entrepreneur) -> bool:
    """Whether ``user`` handles ``entrepreneur`` and so sees their mobile and email in full.

    An administrator, or a coordinator (who may verify people) whose region scope covers
    the person's enterprise region; a city coordinator covers everybody. Leaders,
    department handlers and others see masked contacts. Uses the enterprise's region as
    loaded with the person, and the user's cached permissions and official record: after
    the first call for a user, no query.
    """
    if not may_verify(user=user):
        return False
    if user.is_superuser:
        return True
    return _covers(region_scope_for_user(user=user), entrepreneur.enterprise.region_id)


def verification_decider(*, entrepreneur: Entrepreneur) -> Official | None:
    """The official who verified or refused the person (with their department), if any."""
    if entrepreneur.verified_by_id is None:
        return None
    return (
        Official.objects.select_related("department")
        .filter(user_id=entrepreneur.verified_by_id)
        .first()
    )


# --- The door and the enterprises to complete ---------------------------------------------


def walk_in_regions_for_user(*, user) -> QuerySet[Region]:
    """The districts, counties and areas a coordinator may add people and enterprises in:
    their county, or every county for the city's coordinators and administrators."""
    counties = Region.objects.filter(level=Region.Level.COUNTY).order_by("sort_order", "code")
    if not may_verify(user=user):
        return counties.none()
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    return counties if scope is None else counties.filter(pk=scope.pk)


def covers_region(*, user, region_id: int) -> bool:
    """Whether a coordinator (or administrator) handles the people of ``region_id``."""
    if not may_verify(user=user):
        return False
    return user.is_superuser or _covers(region_scope_for_user(user=user), region_id)


def enterprises_for_user(*, user) -> QuerySet[Enterprise]:
    """The enterprises whose people the user may verify: a coordinator's region (the city's:
    all), an administrator's all, anybody else's none."""
    if not may_verify(user=user):
        return Enterprise.objects.none()
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    return Enterprise.objects.all() if scope is None else Enterprise.objects.filter(region=scope)


def provisional_enterprises_for_user(*, user) -> QuerySet[Enterprise]:
    """Enterprises added at the door without a confirmed credit code, for the user to
    complete or merge, oldest first, with their people. Two queries."""
    people = Entrepreneur.objects.order_by("name", "id")
    return (
        enterprises_for_user(user=user).filter(provisional=True)
        .select_related("region")
        .prefetch_related(Prefetch("entrepreneurs", queryset=people))
        .order_by("created_at", "id")
    )


def entrepreneur_with_mobile(*, user, mobile: str) -> tuple[Entrepreneur | None, bool]:
    """The person in the directory with this (normalised) mobile, and whether the user may
    see them: ``(person, True)`` in their scope, ``(None, True)`` nobody, ``(None, False)``
    somebody outside it."""
    if not mobile:
        return None, True
    person = Entrepreneur.objects.select_related("enterprise").filter(mobile=mobile).first()
    if person is None:
        return None, True
    if entrepreneurs_for_user(user=user).filter(pk=person.pk).exists():
        return person, True
    return None, False
