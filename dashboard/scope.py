"""Who sees which figures: the user's part of the city (``DashboardScope``) and the
filters held to it (``ScopedFilters``).

Every dashboard selector takes a ``ScopedFilters``, and only two functions here build
one: ``dashboard_scope_for_user`` (leaders, coordinators and administrators; a county's
officials see their county) and ``public_scope`` (the whole city and all time, the
figures anyone may see). Building one anywhere else raises ``TypeError``, and no copy of
one (``dataclasses.replace``) may leave its scope's region, so no selector can be called
with filters nobody checked.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from government.models import Department, Official, Region
from government.selectors import official_for_user, region_scope_for_user
from issues.models import Category


class DashboardNotAllowed(Exception):
    """The user may not see the dashboard; the message says why."""


@dataclass(frozen=True)
class DashboardScope:
    """The part of the city the user's figures cover: ``region`` None is the whole city."""

    region: Region | None = None

    @property
    def is_city(self) -> bool:
        return self.region is None


@dataclass(frozen=True)
class DashboardFilters:
    """What the figures are narrowed to, as asked (a form, a page). Months are first days
    of months, both included; None is open-ended. ``region`` None is the whole scope.

    Not yet checked against anyone's scope: the selectors take ``ScopedFilters``."""

    region: Region | None = None
    month_from: date | None = None
    month_to: date | None = None
    category: Category | None = None
    department: Department | None = None

    def within(self, scope: DashboardScope) -> "DashboardFilters":
        """These filters, held to the scope: a county's official always sees their county."""
        if scope.region is not None:
            return replace(self, region=scope.region)
        if self.region is not None and self.region.level == Region.Level.CITY:
            return replace(self, region=None)
        return self

    @property
    def applies_to_sessions(self) -> bool:
        """Sessions have no category or lead department; their figures ignore those."""
        return self.category is None and self.department is None

    def period_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The filter's months as aware datetimes: [start, end)."""
        start = end = None
        if self.month_from is not None:
            start = _aware(self.month_from)
        if self.month_to is not None:
            end = _aware(next_month(self.month_to))
        return start, end


#: Passed by the two builders below; ``ScopedFilters`` refuses to exist without it.
_BUILT_HERE = object()


@dataclass(frozen=True)
class ScopedFilters(DashboardFilters):
    """Filters held to a scope: what every dashboard selector takes.

    Built by ``dashboard_scope_for_user`` or ``public_scope`` only. A copy with other
    months or without a category (``dataclasses.replace``) stays scoped; a copy whose
    region leaves the scope's is refused (``ValueError``).
    """

    scope: DashboardScope | None = None
    _token: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self._token is not _BUILT_HERE:
            raise TypeError("ScopedFilters are built by dashboard_scope_for_user(user=..., "
                            "filters=...) or public_scope(), not directly.")
        if self.scope is None:
            raise TypeError("ScopedFilters need the scope they are held to.")
        if self.scope.region is not None and self.region != self.scope.region:
            raise ValueError("Scoped filters cannot leave their scope's region.")

    @property
    def is_city(self) -> bool:
        """Whether the user's scope is the whole city (whatever region is chosen)."""
        return self.scope.is_city


def _scoped(filters: DashboardFilters, scope: DashboardScope) -> ScopedFilters:
    held = filters.within(scope)
    return ScopedFilters(region=held.region, month_from=held.month_from,
                         month_to=held.month_to, category=held.category,
                         department=held.department, scope=scope, _token=_BUILT_HERE)


def _scope_for_user(user) -> DashboardScope:
    if not user.is_authenticated or not user.is_active:
        raise DashboardNotAllowed(_("Log in to see the dashboard."))
    if user.is_superuser:
        return DashboardScope()
    official = official_for_user(user=user)
    if official is None or official.role not in (Official.Role.LEADER,
                                                 Official.Role.COORDINATOR):
        raise DashboardNotAllowed(_(
            "The dashboard is for leaders and coordinators. Your own issues and queues are "
            "on your home page."
        ))
    return DashboardScope(region=region_scope_for_user(user=user))


def dashboard_scope_for_user(*, user, filters: DashboardFilters | None = None
                             ) -> ScopedFilters:
    """``filters`` (none: everything) held to what the user may see, with the scope in
    ``.scope``. Leaders and coordinators see the figures of their city or county;
    administrators the city's. Anyone else is refused with the reason
    (``DashboardNotAllowed``)."""
    return _scoped(filters or DashboardFilters(), _scope_for_user(user))


def public_scope() -> ScopedFilters:
    """The whole city and all time, unfiltered: the figures anyone may see (the public
    page and the home pages)."""
    return _scoped(DashboardFilters(), DashboardScope())


def may_see_dashboard(*, user) -> bool:
    try:
        _scope_for_user(user)
    except DashboardNotAllowed:
        return False
    return True


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class FilterChoices:
    regions: list[Region]
    categories: list[Category]
    departments: list[Department]


def dashboard_filter_choices_for_user(*, user) -> FilterChoices:
    """The regions (the city and each county, or only the user's county), categories and
    departments (of the scope) the filters offer. Three queries."""
    scope = _scope_for_user(user)
    regions = list(Region.objects.all()) if scope.is_city else [scope.region]
    departments = Department.objects.select_related("region")
    if scope.region is not None:
        departments = departments.filter(Q(region=scope.region) | Q(region__level="city"))
    return FilterChoices(regions=regions, categories=list(Category.objects.all()),
                         departments=list(departments))
