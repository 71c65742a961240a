"""Read-only queries about editions, sessions and attendance.

Each function runs a fixed number of queries whatever the amount of data.
This module must not import ``issues`` (issues sit above sessions).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, Lower, Trim
from django.utils import timezone

from entrepreneurs.models import Entrepreneur
from entrepreneurs.selectors import entrepreneur_for_user, entrepreneurs_for_user
from government.models import Official, Region
from government.selectors import official_for_user, region_scope_for_user
from sessions.models import Attendance, CalendarFeed, SessionSeries, TalkSession

#: An entrepreneur's place at a session that has not happened yet.
UPCOMING_ATTENDANCE_STATUSES = Attendance.UPCOMING_STATUSES
#: Everyone who signed up for a session (whether they then came or not).
SIGNED_UP_STATUSES = (
    Attendance.Status.REGISTERED,
    Attendance.Status.ATTENDED,
    Attendance.Status.ABSENT,
)


def upcoming_attendances_for_user(*, user, limit: int = 5) -> list[Attendance]:
    """The entrepreneur's invitations and registrations for sessions that start from now on."""
    if not user.is_authenticated:
        return []
    return list(
        Attendance.objects.filter(
            entrepreneur__user=user,
            status__in=UPCOMING_ATTENDANCE_STATUSES,
            session__starts_at__gte=timezone.now(),
        )
        .select_related("session__region", "session__edition")
        .order_by("session__starts_at", "id")[:limit]
    )


def week_start(*, today=None) -> datetime:
    """Monday 00:00 (local time) of the current week."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def sessions_in_scope_for_user(*, user, limit: int = 10) -> list[TalkSession]:
    """This week's and later sessions in the official's region (all regions at city level).

    Cancelled sessions are left out. Each session carries ``signed_up`` (people
    registered, attended or absent), ``is_this_week`` and ``is_today``.
    """
    if official_for_user(user=user) is None and not user.is_superuser:
        return []
    start = week_start()
    sessions = TalkSession.objects.filter(starts_at__gte=start).exclude(
        status=TalkSession.Status.CANCELLED
    )
    region = region_scope_for_user(user=user)
    if region is not None:
        sessions = sessions.filter(region=region)
    sessions = list(
        sessions.select_related("edition", "region")
        .annotate(
            signed_up=Count("attendances", filter=Q(attendances__status__in=SIGNED_UP_STATUSES))
        )
        .order_by("starts_at", "id")[:limit]
    )
    next_week = start + timedelta(days=7)
    today = timezone.localdate()
    for session in sessions:
        session.is_this_week = session.starts_at < next_week
        session.is_today = timezone.localdate(session.starts_at) == today
    return sessions


# --- Who sees and manages which sessions ---------------------------------------------

MANAGE_PERMISSION = "talk_sessions.change_talksession"
VIEW_PERMISSION = "talk_sessions.view_talksession"


def may_manage_sessions(*, user, region: Region | None = None) -> bool:
    """Coordinators plan, check people in and close the sessions of their region (the
    city's: every region); administrators all. With ``region``: whether it is covered."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm(MANAGE_PERMISSION) or official_for_user(user=user) is None:
        return False
    scope = region_scope_for_user(user=user)
    return region is None or scope is None or scope.pk == region.pk


def sessions_open_to(person: Entrepreneur) -> Q:
    """Sessions a verified entrepreneur may take part in: the city's, their county's, and
    any they were invited to."""
    invited = Attendance.objects.filter(session=OuterRef("pk"), entrepreneur=person)
    return (Q(region__level=Region.Level.CITY) | Q(region_id=person.enterprise.region_id)
            | Q(Exists(invited)))


def sessions_for_user(*, user) -> QuerySet[TalkSession]:
    """Every session the user may open; anything else answers "not found".

    * administrators, and city coordinators and leaders: all;
    * county coordinators and leaders: their county's;
    * handlers and department leads: those their department attends or they host;
    * a verified entrepreneur: those open to them (``sessions_open_to``) that are not
      merely planned, and any they have a place at;
    * anybody else: none.
    """
    if not user.is_authenticated or not user.is_active:
        return TalkSession.objects.none()
    if user.is_superuser:
        return TalkSession.objects.all()
    official = official_for_user(user=user)
    if official is not None:
        if official.role in Official.DEPARTMENT_ROLES:
            # A subquery, not a join: counts annotated on the result must not multiply.
            attended = TalkSession.departments.through.objects.filter(
                department_id=official.department_id).values("talksession_id")
            return TalkSession.objects.filter(Q(pk__in=attended) | Q(host=official))
        if not user.has_perm(VIEW_PERMISSION):
            return TalkSession.objects.none()
        scope = region_scope_for_user(user=user)
        return TalkSession.objects.all() if scope is None else TalkSession.objects.filter(
            region=scope)
    person = entrepreneur_for_user(user=user)
    if person is None or not person.is_verified:
        return TalkSession.objects.none()
    mine = Attendance.objects.filter(session=OuterRef("pk"), entrepreneur=person)
    return TalkSession.objects.filter(
        (sessions_open_to(person) & ~Q(status=TalkSession.Status.PLANNED)) | Q(Exists(mine))
    )


def session_for_user(*, user, pk: int) -> TalkSession:
    """One session the user may open, with its edition, region and host; raises
    TalkSession.DoesNotExist otherwise."""
    return sessions_for_user(user=user).select_related(
        "edition", "region", "host__user", "host__department", "series").get(pk=pk)


def session_regions_for_user(*, user) -> QuerySet[Region]:
    """The regions the user's session list may be filtered by."""
    official = official_for_user(user=user)
    scope = region_scope_for_user(user=user) if official is not None else None
    regions = Region.objects.order_by("sort_order", "code")
    return regions.filter(pk=scope.pk) if scope is not None else regions


def _place_count(statuses) -> Coalesce:
    """How many places at the outer session have one of ``statuses``: a correlated subquery,
    run for the rows of the page only (a join and GROUP BY would count every session's
    places before the page is cut)."""
    counted = Attendance.objects.filter(session=OuterRef("pk"), status__in=statuses).order_by(
    ).values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_counts(sessions: QuerySet[TalkSession]) -> QuerySet[TalkSession]:
    return sessions.annotate(
        registered=_place_count(Attendance.TAKING_A_PLACE),
        waitlisted=_place_count((Attendance.Status.WAITLISTED,)),
        attended=_place_count((Attendance.Status.ATTENDED,)),
    )


#: The list's time filter.
WHEN_CHOICES = ("upcoming", "past", "all")


def session_list_page_for_user(
    *, user, when: str = "upcoming", region: Region | None = None, status: str = "",
    page_number=None, per_page: int = 25,
) -> Page:
    """The sessions the user may see, one page, with counts and the user's own place.

    ``upcoming``: from the start of today, soonest first; ``past``: before today, latest
    first. Each session carries ``registered`` (places taken), ``waitlisted``, ``attended``
    and, for an entrepreneur, ``my_status`` and ``my_status_label``. Three queries whatever
    the number of sessions.
    """
    sessions = sessions_for_user(user=user)
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    if when == "past":
        sessions = sessions.filter(starts_at__lt=today).order_by("-starts_at", "-id")
    elif when == "upcoming":
        sessions = sessions.filter(starts_at__gte=today).order_by("starts_at", "id")
    else:
        sessions = sessions.order_by("-starts_at", "-id")
    if region is not None:
        sessions = sessions.filter(region=region)
    if status:
        sessions = sessions.filter(status=status)
    page = Paginator(sessions, per_page).get_page(page_number)
    # Counted for the page's rows only, still in one query: annotated on the paginated
    # query itself, PostgreSQL would count the places of every row skipped by the OFFSET
    # too (1.4 s for the last page of 20,000 sessions).
    page.object_list = list(_with_counts(
        TalkSession.objects.filter(pk__in=page.object_list.values("pk"))
    ).select_related("edition", "region", "host").order_by(*sessions.query.order_by))
    person = entrepreneur_for_user(user=user)
    if person is not None:
        places = dict(Attendance.objects.filter(
            entrepreneur=person, session__in=[s.pk for s in page.object_list]
        ).values_list("session_id", "status"))
        for session in page.object_list:
            session.my_status = places.get(session.pk, "")
            session.my_status_label = (Attendance.Status(session.my_status).label
                                       if session.my_status else "")
    return page


@dataclass
class SessionDetail:
    session: TalkSession
    may_manage: bool
    #: Everyone with a row at the session (managers only), in check-in order.
    attendances: list
    #: The entrepreneur's own row, if any.
    mine: Attendance | None
    counts: dict
    #: Issues raised at the session (managers only): reference, title, status.
    issues: list
    #: The waiting list's position of the entrepreneur, if waitlisted (1 = next).
    waitlist_position: int | None
    #: The attending departments (everyone who sees the session sees them).
    departments: list


def session_detail_for_user(*, user, pk: int) -> SessionDetail:
    """A session page's data; raises TalkSession.DoesNotExist outside the user's scope.

    A fixed number of queries whatever the number of people.
    """
    session = session_for_user(user=user, pk=pk)
    may_manage = may_manage_sessions(user=user, region=session.region)
    rows = session.attendances.select_related("entrepreneur__enterprise").order_by(
        "entrepreneur__name", "id")
    counts = dict.fromkeys(Attendance.Status.values, 0)
    for status, number in session.attendances.values_list("status").annotate(n=Count("id")):
        counts[status] = number
    if may_manage and session.status == TalkSession.Status.HELD:
        counts.update(session.attendances.aggregate(average_rating=Avg("rating"),
                                                     rated=Count("rating")))
    counts["places_taken"] = sum(counts[s] for s in Attendance.TAKING_A_PLACE)
    person = entrepreneur_for_user(user=user)
    mine = None
    position = None
    if person is not None:
        mine = session.attendances.filter(entrepreneur=person).first()
        if mine is not None and mine.status == Attendance.Status.WAITLISTED:
            position = session.attendances.filter(
                Q(registered_at__lt=mine.registered_at)
                | Q(registered_at=mine.registered_at, pk__lt=mine.pk),
                status=Attendance.Status.WAITLISTED,
            ).count() + 1
    issues = []
    if may_manage:
        issues = list(session.issues.order_by("submitted_at", "id").values(
            "reference", "title", "status", "entrepreneur__name"))
    return SessionDetail(
        session=session, may_manage=may_manage, attendances=list(rows) if may_manage else [],
        mine=mine, counts=counts, issues=issues, waitlist_position=position,
        departments=session_departments(session=session),
    )


def session_departments(*, session: TalkSession) -> list:
    """The session's attending departments, the city's first, by name. One query."""
    return list(session.departments.order_by(
        "region__sort_order", "name"))


#: Who gets a row on the sign-in sheet: everyone with a place or an offer of one.
SIGN_IN_SHEET_STATUSES = (
    Attendance.Status.REGISTERED, Attendance.Status.INVITED, Attendance.Status.ATTENDED,
    Attendance.Status.WAITLISTED,
)


@dataclass
class SignInSheet:
    session: TalkSession
    departments: list
    #: The people expected (not cancelled), by name, with their enterprise.
    rows: list


def sign_in_sheet(*, session: TalkSession) -> SignInSheet:
    """The printed sign-in sheet (签到表) of a session the caller has checked the user
    manages (``sessions.views.common._managed``). Two queries whatever the number of
    people."""
    rows = session.attendances.filter(status__in=SIGN_IN_SHEET_STATUSES).select_related(
        "entrepreneur__enterprise").order_by("entrepreneur__name", "id")
    return SignInSheet(session=session, departments=session_departments(session=session),
                       rows=list(rows))


def session_clashes(*, region: Region, venue: str, host: Official | None, starts_at,
                    ends_at, exclude_pk: int | None = None) -> list[TalkSession]:
    """Sessions not cancelled that overlap the given time and either use the same venue in
    the same region (ignoring case and surrounding spaces) or have the same host. One
    query."""
    same_place = Q(region=region, venue_key=venue.strip().lower())
    clash = same_place | Q(host=host) if host is not None else same_place
    sessions = TalkSession.objects.annotate(venue_key=Lower(Trim("venue"))).filter(
        clash, starts_at__lt=ends_at, ends_at__gt=starts_at,
    ).exclude(status=TalkSession.Status.CANCELLED)
    if exclude_pk is not None:
        sessions = sessions.exclude(pk=exclude_pk)
    return list(sessions.select_related("region", "edition", "host").order_by("starts_at"))


def series_for_user(*, user) -> QuerySet[SessionSeries]:
    """The weekly series a coordinator may see and generate: their region's (the city's:
    all); administrators all."""
    if not may_manage_sessions(user=user):
        return SessionSeries.objects.none()
    scope = None if user.is_superuser else region_scope_for_user(user=user)
    series = SessionSeries.objects.select_related("region", "host")
    return series if scope is None else series.filter(region=scope)


def series_sessions_after(*, series: SessionSeries, day) -> list[TalkSession]:
    """The series' sessions still to come (planned or open) on a day after ``day``, each
    with ``registered`` (people with a place or on the waiting list): those ending the
    series on ``day`` cancels. One query."""
    after = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return list(series.sessions.filter(
        status__in=TalkSession.UPCOMING_STATUSES, starts_at__gte=after,
    ).annotate(registered=Count("attendances", filter=Q(attendances__status__in=(
        Attendance.Status.REGISTERED, Attendance.Status.WAITLISTED)))).order_by("starts_at"))


def invitation_candidates(*, session: TalkSession, region: Region | None = None,
                          industry: str = "", scale: str = "",
                          new_generation: bool | None = None) -> QuerySet[Entrepreneur]:
    """Verified entrepreneurs who agreed to be contacted, may take part in ``session``
    (its county's people, or anybody's for a city session) and have no row at it yet."""
    people = Entrepreneur.objects.filter(
        verification=Entrepreneur.Verification.VERIFIED, consent_to_contact=True,
        anonymised_at__isnull=True,
    ).exclude(attendances__session=session)
    if session.region.level != Region.Level.CITY:
        people = people.filter(enterprise__region=session.region)
    if region is not None:
        people = people.filter(enterprise__region=region)
    if industry:
        people = people.filter(enterprise__industry=industry)
    if scale:
        people = people.filter(enterprise__scale=scale)
    if new_generation is not None:
        people = people.filter(is_new_generation=new_generation)
    return people


def walk_in_candidates_for_user(*, user, session: TalkSession, search: str,
                                limit: int = 20) -> list[Entrepreneur]:
    """People the coordinator may add at the door: in their scope, found by name, mobile or
    enterprise, and not on the check-in list already (anyone with a row at the session but
    a cancelled one); the session's own county's people first. One query."""
    search = search.strip()
    if not search:
        return []
    on_the_list = Attendance.objects.filter(session=session, entrepreneur=OuterRef("pk")).exclude(
        status=Attendance.Status.CANCELLED)
    people = entrepreneurs_for_user(user=user).filter(
        verification=Entrepreneur.Verification.VERIFIED, anonymised_at__isnull=True,
    ).filter(Q(name__icontains=search) | Q(mobile__contains=search)
             | Q(enterprise__name__icontains=search)).exclude(Exists(on_the_list))
    local_first = Case(When(enterprise__region=session.region_id, then=0), default=1)
    return list(people.select_related("enterprise").order_by(local_first, "name", "id")[:limit])


def feed_for_token(*, token: str) -> CalendarFeed:
    """The feed with this secret, with its user; raises CalendarFeed.DoesNotExist."""
    return CalendarFeed.objects.select_related("user").get(token=token, user__is_active=True)


def sessions_for_feed(*, user) -> QuerySet[TalkSession]:
    """What a person's calendar shows: an entrepreneur's sessions with a place (or a
    waiting-list place, or an invitation); an official's sessions in their scope; from 90
    days back, not merely planned for entrepreneurs; latest first."""
    since = timezone.now() - timedelta(days=90)
    person = entrepreneur_for_user(user=user)
    if person is not None and official_for_user(user=user) is None:
        sessions = TalkSession.objects.filter(
            attendances__entrepreneur=person,
            attendances__status__in=(*Attendance.UPCOMING_STATUSES, Attendance.Status.ATTENDED),
        )
    else:
        sessions = sessions_for_user(user=user)
    # Latest first, so a feed cut at its limit keeps every coming session and drops the
    # oldest past ones.
    return sessions.filter(starts_at__gte=since).select_related("region", "edition").order_by(
        "-starts_at", "-id")
