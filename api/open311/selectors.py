"""What the Open311 endpoint reads: the service requests a caller may see, and the
enterprise and person a submitted request is recorded for.

A caller with a key sees what the key's account sees (``issues.visibility.issues_for_user``).
A caller without one sees what the public figures page counts: every valid issue of the
city (not the rejected, duplicate or withdrawn ones), and of each only the public fields
(``api.open311.views`` leaves out the description; no person or enterprise is ever shown).
"""

from django.db.models import OuterRef, QuerySet, Subquery

from entrepreneurs.models import Enterprise, Entrepreneur
from entrepreneurs.selectors import enterprises_for_user, entrepreneurs_for_user
from government.models import Region
from issues.models import Category, Issue, IssueEvent
from issues.visibility import issues_for_user


def open311_services() -> QuerySet[Category]:
    return Category.objects.order_by("sort_order", "code")


def open311_counties() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.COUNTY).order_by("sort_order", "code")


def open311_requests(*, user=None) -> QuerySet[Issue]:
    """The issues a caller may read as service requests, newest first, with what a request
    shows: one query for any number of them."""
    if user is None:
        issues = Issue.objects.exclude(status__in=Issue.INVALID_STATUSES)
    else:
        issues = issues_for_user(user=user)
    latest_event = (IssueEvent.objects.filter(issue=OuterRef("pk"))
                    .order_by("-created_at", "-id").values("created_at")[:1])
    return (issues.select_related("category", "region", "lead_department")
            .annotate(last_event_at=Subquery(latest_event))
            .order_by("-submitted_at", "-id"))


def enterprise_by_credit_code(*, user, code: str) -> tuple[Enterprise | None, bool]:
    """The enterprise with this credit code and whether it lies in the user's scope:
    ``(enterprise, True)`` in scope, ``(None, False)`` registered outside it, ``(None, True)``
    not registered at all."""
    enterprise = (enterprises_for_user(user=user).select_related("region")
                  .filter(credit_code=code).first())
    if enterprise is not None:
        return enterprise, True
    return None, not Enterprise.objects.filter(credit_code=code).exists()


def enterprises_by_name(*, user, name: str, county: Region | None = None
                        ) -> tuple[list[Enterprise], bool]:
    """The enterprises in the user's scope registered under exactly this name (at most two:
    enough to know it is not one), and whether none is registered outside the scope."""
    found = enterprises_for_user(user=user).select_related("region").filter(name=name)
    if county is not None:
        found = found.filter(region=county)
    found = list(found.order_by("id")[:2])
    if found:
        return found, True
    elsewhere = Enterprise.objects.filter(name=name)
    if county is not None:
        elsewhere = elsewhere.filter(region=county)
    return [], not elsewhere.exists()


def person_of_enterprise(*, user, enterprise: Enterprise, mobile: str = "",
                         email: str = "") -> Entrepreneur | None:
    """The person of ``enterprise`` in the directory with this mobile (or, without one, this
    email address), among the people the user may look up; None when there is none."""
    people = entrepreneurs_for_user(user=user).filter(enterprise=enterprise,
                                                      anonymised_at__isnull=True)
    if mobile:
        return people.select_related("enterprise__region").filter(mobile=mobile).first()
    if email:
        return (people.select_related("enterprise__region").filter(email__iexact=email)
                .order_by("id").first())
    return None
