"""The programme's record, built in memory from a fixed random seed and bulk-inserted.

The published record (76 editions, 595 sessions held, 4,545 attendances, 5,895
issues, 99.44% satisfaction) is reproduced by construction: every one of the
5,895 issues carries a rating; 5,862 latest ratings are satisfied or basically
satisfied and 33 are dissatisfied. Those 33 were reopened for a second round and
stand today in every open state, so every work queue has something to show
without changing a published figure.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from core.validators import credit_code_check_character
from core.workdays import work_calendar
from demo import data
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Department, Official, Region
from issues.models import Category, Issue, IssueEvent, IssueSequence, RatingValue
from issues.models import SatisfactionRating as Rating
from issues.services import format_reference
from sessions.models import Attendance, Edition, SessionKind, SessionSeries, TalkSession

PUBLISHED_EDITIONS = 76
PUBLISHED_SESSIONS = 595
PUBLISHED_ATTENDANCES = 4545
PUBLISHED_ISSUES = 5895
PUBLISHED_SATISFIED = 5862  # satisfied or basically satisfied: 5,862 / 5,895 = 99.44%
REOPENED_OPEN = PUBLISHED_ISSUES - PUBLISHED_SATISFIED  # 33, rated dissatisfied and reopened
REOPENED_THEN_SATISFIED = 40  # dissatisfied once, satisfied after a second round

ENTERPRISES = 1400
ENTREPRENEURS = 1650
UPCOMING_WEEKS = 3
RANDOM_SEED = 2026

TZ = ZoneInfo("Asia/Shanghai")
# Where the reopened issues stand in their second round.
OPEN_STATE_PLAN = (
    [Issue.Status.SUBMITTED] * 4 + [Issue.Status.DISPATCHED] * 6 + [Issue.Status.RETURNED] * 3
    + [Issue.Status.ACCEPTED] * 5 + [Issue.Status.IN_PROGRESS] * 9 + [Issue.Status.RESOLVED] * 6
)
assert len(OPEN_STATE_PLAN) == REOPENED_OPEN


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def make_credit_code(division: str, serial: int) -> str:
    """A valid code for a company (91) registered in ``division``."""
    organisation = f"{serial:08d}"
    # GB 11714 check character of the organisation code.
    total = sum(int(c) * w for c, w in zip(organisation, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    organisation += {10: "X", 11: "0"}.get(check, str(check))
    first = f"91{division}{organisation}"
    return first + credit_code_check_character(first)



@dataclass
class HistoryReport:
    editions: int = 0
    sessions: int = 0
    attendances: int = 0
    issues: int = 0
    events: int = 0
    ratings: int = 0
    skipped: bool = False


class HistoryBuilder:
    """Builds the whole history in memory, then writes it with bulk inserts."""

    def __init__(self, *, today: date, seed: int = RANDOM_SEED):
        self.today = today
        self.rng = random.Random(seed)
        self.regions = {r.code: r for r in Region.objects.all()}
        self.departments = {d.code: d for d in Department.objects.select_related("region")}
        self.categories = list(Category.objects.select_related("default_department"))
        self.officials = {o.user.username: o for o in Official.objects.select_related("user")}
        self.demo_entrepreneur = Entrepreneur.objects.get(user__username="entrepreneur")
        self.report = HistoryReport()
        # One calendar for the whole build: the working-day overrides are read once.
        self.calendar = work_calendar()

    # People -------------------------------------------------------------------

    def _name(self) -> str:
        return self.rng.choice(data.SURNAMES) + self.rng.choice(data.GIVEN)

    def build_people(self) -> None:
        county_codes = [code for code, *_ in data.REGIONS if code != "huzhou"]
        weights = [18, 14, 17, 19, 16, 10]
        enterprises = []
        for serial in range(1, ENTERPRISES + 1):
            region = self.regions[self.rng.choices(county_codes, weights)[0]]
            industry = self.rng.choice(list(data.INDUSTRY_WORDS))
            word = self.rng.choice(data.INDUSTRY_WORDS[industry])
            name = f"{region.name[:2]}{self.rng.choice(data.BRANDS)}{word}有限公司"
            division = region.division_code or "330500"
            enterprises.append(Enterprise(
                name=name, credit_code=make_credit_code(division, serial), region=region,
                industry=industry,
                scale=self.rng.choices(["large", "medium", "small", "micro"], [5, 25, 50, 20])[0],
                created_at=at(self.today - timedelta(days=self.rng.randint(400, 900)), 9),
            ))
        enterprises = Enterprise.objects.bulk_create(enterprises)
        people = []
        for index in range(ENTREPRENEURS):
            enterprise = enterprises[index] if index < ENTERPRISES else self.rng.choice(enterprises)
            people.append(Entrepreneur(
                name=self._name(), mobile=f"139{index + 10_000_000:08d}",
                enterprise=enterprise, position=self.rng.choice(data.POSITIONS),
                is_new_generation=self.rng.random() < 0.2,
                consent_to_contact=self.rng.random() < 0.9,
                verification=Entrepreneur.Verification.VERIFIED,
                created_at=enterprise.created_at,
            ))
        people = Entrepreneur.objects.bulk_create(people)
        self.people_by_region = {}
        for person in people + [self.demo_entrepreneur]:
            self.people_by_region.setdefault(person.enterprise.region_id, []).append(person)
        self.all_people = people + [self.demo_entrepreneur]

    # Editions and sessions ----------------------------------------------------

    def held_wednesdays(self) -> list[date]:
        """The last 76 Wednesdays before today that were working days."""
        day = self.today - timedelta(days=1)
        while day.weekday() != 2:
            day -= timedelta(days=1)
        wednesdays = []
        while len(wednesdays) < PUBLISHED_EDITIONS:
            if self.calendar.is_working_day(day):
                wednesdays.append(day)
            day -= timedelta(days=7)
        return wednesdays[::-1]

    def upcoming_wednesdays(self) -> list[date]:
        day = self.today
        while day.weekday() != 2:
            day += timedelta(days=1)
        wednesdays = []
        while len(wednesdays) < UPCOMING_WEEKS:
            if self.calendar.is_working_day(day):
                wednesdays.append(day)
            day += timedelta(days=7)
        return wednesdays

    def build_series(self, first_wednesday: date) -> dict:
        series = {}
        for code, _division, name, _name_en, _level, venue in data.REGIONS:
            host = self.host_for(code)
            item, _ = SessionSeries.objects.get_or_create(
                name=f"{name}每周三政企恳谈会",
                defaults={"region": self.regions[code], "start_time": time(14, 30),
                          "duration_minutes": 120, "venue": venue, "host": host,
                          "capacity": 10, "starts_on": first_wednesday, "weeks_ahead": 3},
            )
            series[code] = item
        return series

    def host_for(self, region_code: str) -> Official:
        username = "coordinator" if region_code == "huzhou" else f"coordinator-{region_code}"
        return self.officials[username]

    def build_sessions(self) -> None:
        held_days = self.held_wednesdays()
        upcoming_days = self.upcoming_wednesdays()
        self.series = self.build_series(held_days[0])
        editions = []
        for number, wednesday in enumerate(held_days + upcoming_days, start=1):
            editions.append(Edition(
                number=number, week_start=wednesday - timedelta(days=2),
                theme=data.EDITION_THEMES[number % len(data.EDITION_THEMES)],
            ))
        editions = Edition.objects.bulk_create(editions)
        held_editions = editions[:PUBLISHED_EDITIONS]

        sessions = []
        for edition, wednesday in zip(held_editions, held_days, strict=True):
            for code, *_ in data.REGIONS:
                sessions.append(self._talk(edition, wednesday, code, TalkSession.Status.HELD))
        # Festival events on 1 November, in the edition whose week holds that day.
        for edition in held_editions:
            november_first = date(edition.week_start.year, 11, 1)
            if edition.week_start <= november_first <= edition.week_end:
                sessions.append(self._special(edition, november_first, SessionKind.FESTIVAL,
                                              data.FESTIVAL, 9, 200))
        while len(sessions) < PUBLISHED_SESSIONS:
            edition = self.rng.choice(held_editions)
            if self.rng.random() < 0.5:
                sessions.append(self._special(edition, edition.week_start + timedelta(days=3),
                                              SessionKind.LECTURE,
                                              self.rng.choice(data.LECTURES), 14, 60))
            else:
                sessions.append(self._special(edition, edition.week_start + timedelta(days=4),
                                              SessionKind.SALON,
                                              self.rng.choice(data.SALONS), 15, 20))
        for index, (edition, wednesday) in enumerate(
            zip(editions[PUBLISHED_EDITIONS:], upcoming_days, strict=True)
        ):
            status = TalkSession.Status.OPEN if index == 0 else TalkSession.Status.PLANNED
            for code, *_ in data.REGIONS:
                sessions.append(self._talk(edition, wednesday, code, status))
        self.sessions = TalkSession.objects.bulk_create(sessions)
        self.held_sessions = [s for s in self.sessions if s.status == TalkSession.Status.HELD]
        self.upcoming_sessions = [s for s in self.sessions if s.status != TalkSession.Status.HELD]

        through = TalkSession.departments.through
        links = []
        city_departments = [d for d in self.departments.values()
                            if d.region.code == "huzhou" and not d.code.endswith("-tzb")]
        for session in self.sessions:
            local = [d for d in self.departments.values() if d.region_id == session.region_id
                     and d.region.code != "huzhou"]
            chosen = set(self.rng.sample(city_departments, 4)) | set(local)
            links += [through(talksession_id=session.pk, department_id=d.pk) for d in chosen]
        through.objects.bulk_create(links)
        self.report.editions = PUBLISHED_EDITIONS
        self.report.sessions = len(self.held_sessions)

    def _talk(self, edition, wednesday, region_code, status) -> TalkSession:
        region = self.regions[region_code]
        return TalkSession(
            edition=edition, region=region, series=self.series[region_code],
            series_date=wednesday, kind=SessionKind.TALK, theme=edition.theme,
            venue=self.series[region_code].venue, starts_at=at(wednesday, 14, 30),
            ends_at=at(wednesday, 16, 30), host=self.host_for(region_code), capacity=10,
            status=status,
            minutes=("与会企业家反映问题已现场登记，会后按类别交办相关部门，限时答复。"
                     if status == TalkSession.Status.HELD else ""),
            created_at=at(wednesday - timedelta(days=14), 9),
        )

    def _special(self, edition, day, kind, theme, hour, capacity) -> TalkSession:
        return TalkSession(
            edition=edition, region=self.regions["huzhou"], kind=kind, theme=theme,
            venue="湖州市民营经济服务中心", starts_at=at(day, hour), ends_at=at(day, hour + 2),
            host=self.host_for("huzhou"), capacity=capacity, status=TalkSession.Status.HELD,
            minutes="活动已按计划举行。", created_at=at(day - timedelta(days=14), 9),
        )

    # Attendance -----------------------------------------------------------------

    def build_attendance(self) -> None:
        targets = {}
        for session in self.held_sessions:
            low, high = {SessionKind.TALK: (6, 9), SessionKind.LECTURE: (12, 20),
                         SessionKind.SALON: (8, 14), SessionKind.FESTIVAL: (40, 60)}[session.kind]
            targets[session.pk] = self.rng.randint(low, high)
        talks = [s for s in self.held_sessions if s.kind == SessionKind.TALK]
        while (total := sum(targets.values())) != PUBLISHED_ATTENDANCES:
            session = self.rng.choice(talks)
            step = 1 if total < PUBLISHED_ATTENDANCES else -1
            if 3 <= targets[session.pk] + step <= session.capacity:
                targets[session.pk] += step

        city = self.regions["huzhou"]
        demo_sessions = {s.pk for s in self.rng.sample(
            [s for s in talks if s.region.code == "wuxing"], 6)}
        rows = []
        self.attendees = {}
        for session in self.held_sessions:
            pool = (self.all_people if session.region_id == city.pk
                    else self.people_by_region[session.region_id])
            count = targets[session.pk]
            people = self.rng.sample(pool, count + 1)
            if session.pk in demo_sessions and self.demo_entrepreneur not in people[:count]:
                people[0] = self.demo_entrepreneur
            attended, absent = people[:count], people[count]
            self.attendees[session.pk] = attended
            registered = session.starts_at - timedelta(days=self.rng.randint(2, 10))
            for person in attended:
                rows.append(Attendance(
                    session=session, entrepreneur=person, status=Attendance.Status.ATTENDED,
                    invited_at=registered - timedelta(days=2), registered_at=registered,
                    checked_in_at=session.starts_at - timedelta(minutes=self.rng.randint(0, 20)),
                ))
            if self.rng.random() < 0.3 and absent is not self.demo_entrepreneur:
                rows.append(Attendance(session=session, entrepreneur=absent,
                                       status=Attendance.Status.ABSENT,
                                       invited_at=registered - timedelta(days=2),
                                       registered_at=registered))
        # Next week's sessions take registrations; one is full with a waiting list.
        first_week = [s for s in self.upcoming_sessions if s.status == TalkSession.Status.OPEN]
        for index, session in enumerate(first_week):
            pool = self.people_by_region.get(session.region_id, self.all_people)
            full = index == 1
            people = self.rng.sample([p for p in pool if p is not self.demo_entrepreneur],
                                     session.capacity + 2 if full else self.rng.randint(3, 8))
            if session.region.code == "wuxing":
                people[0] = self.demo_entrepreneur
            for position, person in enumerate(people):
                waitlisted = full and position >= session.capacity
                rows.append(Attendance(
                    session=session, entrepreneur=person,
                    status=(Attendance.Status.WAITLISTED if waitlisted
                            else Attendance.Status.REGISTERED),
                    invited_at=at(self.today - timedelta(days=5), 10),
                    registered_at=at(self.today - timedelta(days=4), 9, position),
                ))
        Attendance.objects.bulk_create(rows)
        self.report.attendances = sum(len(v) for v in self.attendees.values())

    # Issues ---------------------------------------------------------------------

    def build_issues(self) -> None:
        latest_usable = self.today - timedelta(days=12)
        sessions = [s for s in self.held_sessions
                    if timezone.localtime(s.starts_at).date() <= latest_usable]
        # Reopened issues still open today come from sessions 12 to 45 days ago, so that
        # their second round is partly overdue and partly still running.
        reopen_window = [s for s in sessions
                         if self.today - timedelta(days=45)
                         <= timezone.localtime(s.starts_at).date()
                         <= self.today - timedelta(days=12)]
        # Those reopened and satisfied since come from older sessions.
        older = [s for s in sessions
                 if timezone.localtime(s.starts_at).date() <= self.today - timedelta(days=90)]
        plans = []  # (submitted_at, person, session or None, fate)
        for index in range(PUBLISHED_ISSUES):
            if index < REOPENED_OPEN:
                session = self.rng.choice(reopen_window)
                fate = OPEN_STATE_PLAN[index]
            elif index < REOPENED_OPEN + REOPENED_THEN_SATISFIED:
                session, fate = self.rng.choice(older), "reopened_closed"
            else:
                session = self.rng.choice(sessions) if self.rng.random() < 0.82 else None
                fate = "closed"
            if session is not None:
                person = self.rng.choice(self.attendees[session.pk])
                submitted = session.starts_at + timedelta(minutes=self.rng.randint(10, 110))
            else:
                person = self.rng.choice(self.all_people)
                day = latest_usable - timedelta(days=self.rng.randint(0, 500))
                submitted = at(day, self.rng.randint(8, 21), self.rng.randint(0, 59))
            plans.append((submitted, person, session, fate))
        # The demo entrepreneur follows a few of the open ones and some closed ones.
        for index in (0, 12, 20, 27):
            submitted, _person, _session, fate = plans[index]
            plans[index] = (submitted, self.demo_entrepreneur, None, fate)
        for index in range(100, 110):
            submitted, _person, session, fate = plans[index]
            plans[index] = (submitted, self.demo_entrepreneur, None, fate)
        plans.sort(key=lambda plan: plan[0])

        counters = {}
        self.issue_rows = []
        self.pending = []  # (issue, fate) for events and ratings once saved
        handler_department = self.departments["huzhou-jxj"]
        for submitted, person, session, fate in plans:
            year = timezone.localtime(submitted).year
            counters[year] = counters.get(year, 0) + 1
            category = self.rng.choice(self.categories)
            if fate in OPEN_STATE_PLAN and self.rng.random() < 0.5:
                category = next(c for c in self.categories if c.code == "government-service")
            title, reply = self.rng.choice(data.ISSUE_TEMPLATES[category.code])
            lead = category.default_department
            county_departments = [d for d in self.departments.values()
                                  if d.region_id == person.enterprise.region_id
                                  and not d.code.endswith(("-tzb", "-dqb"))]
            if county_departments and fate not in OPEN_STATE_PLAN and self.rng.random() < 0.3:
                lead = self.rng.choice(county_departments)
            if fate in (Issue.Status.DISPATCHED, Issue.Status.ACCEPTED, Issue.Status.IN_PROGRESS):
                lead = handler_department if self.rng.random() < 0.7 else lead
            issue = Issue(
                reference=format_reference(year=year, number=counters[year]),
                title=title, category=category, enterprise=person.enterprise, entrepreneur=person,
                region=person.enterprise.region,
                description=(f"{person.enterprise.name}反映：{title}，希望相关部门协调解决。"),
                source=Issue.Source.SESSION if session else Issue.Source.ONLINE,
                session=session, submitted_at=submitted, lead_department=lead,
            )
            self._schedule(issue, fate, reply)
            self.issue_rows.append(issue)
        Issue.objects.bulk_create(self.issue_rows)
        for year, last in counters.items():
            IssueSequence.objects.update_or_create(year=year, defaults={"last_number": last})
        self.report.issues = len(self.issue_rows)

    def _handle_round(self, issue, start: datetime, limit: int, *, quick=False, open_until=None):
        """Dispatch, accept and resolve one round; returns the datetimes.

        ``quick`` answers within a week (a first round later found wanting).
        """
        # No step happens after the day the seed runs, even across a long holiday.
        latest = self.today - timedelta(days=1)
        start_day = timezone.localtime(start).date()
        next_day = self.calendar.next_working_day(start_day + timedelta(days=1))
        dispatch_day = max(min(next_day, latest), start_day)
        dispatched = max(at(dispatch_day, 10, self.rng.randint(0, 59)), start + timedelta(hours=1))
        accept_due = self.calendar.add_working_days(dispatch_day, issue.category.accept_limit_days)
        late_accept = self.rng.random() < 0.02
        accepted_day = self.calendar.add_working_days(dispatch_day, 2) if late_accept else \
            (dispatch_day if self.rng.random() < 0.6 else accept_due)
        accepted_day = max(min(accepted_day, latest), dispatch_day)
        accepted = max(at(accepted_day, self.rng.randint(11, 17), self.rng.randint(0, 59)),
                       dispatched + timedelta(hours=1))
        due = self.calendar.add_working_days(dispatch_day, limit)
        ceiling = min(due, (open_until or self.today) - timedelta(days=4))
        if self.rng.random() < 0.03 and open_until is None:
            ceiling = due + timedelta(days=self.rng.randint(1, 6))
        if quick:
            ceiling = min(ceiling, accepted_day + timedelta(days=5))
        ceiling = min(ceiling, self.today - timedelta(days=4))
        span = max((ceiling - accepted_day).days, 0)
        resolved_day = accepted_day + timedelta(days=self.rng.randint(min(1, span), span))
        resolved = at(resolved_day, self.rng.randint(9, 17), self.rng.randint(0, 59))
        resolved = max(resolved, accepted + timedelta(hours=1))
        return dispatched, accept_due, accepted, due, resolved

    def _schedule(self, issue, fate, reply) -> None:
        limit = issue.category.resolve_limit_days
        dispatched, accept_due, accepted, due, resolved = self._handle_round(
            issue, issue.submitted_at, limit, quick=fate != "closed")
        rated = resolved + timedelta(days=self.rng.randint(1, 3), hours=self.rng.randint(0, 5))
        rated = min(rated, at(self.today - timedelta(days=1), 18))
        rounds = [{"dispatched": dispatched, "accepted": accepted, "resolved": resolved,
                   "rated": rated, "reply": reply, "due": due, "accept_due": accept_due}]
        issue.dispatched_at, issue.accepted_at = dispatched, accepted
        issue.accept_due_on = accept_due
        issue.due_on, issue.resolved_at = due, resolved
        self._clock(issue, dispatched, limit)
        if fate == "closed":
            value = (RatingValue.SATISFIED if self.rng.random() < 0.88
                     else RatingValue.BASICALLY_SATISFIED)
            rounds[0]["rating"] = value
            issue.status, issue.latest_rating, issue.closed_at = Issue.Status.CLOSED, value, rated
        else:
            rounds[0]["rating"] = RatingValue.DISSATISFIED
            issue.round = 2
            issue.latest_rating = RatingValue.DISSATISFIED
            if fate == "reopened_closed":
                second = self._handle_round(issue, rated, limit)
                rated_again = min(second[4] + timedelta(days=1),
                                  at(self.today - timedelta(days=1), 18))
                value = RatingValue.SATISFIED
                rounds.append({"reopened": rated, "dispatched": second[0],
                               "accept_due": second[1],
                               "accepted": second[2], "due": second[3], "resolved": second[4],
                               "rated": rated_again, "reply": reply, "rating": value})
                (issue.dispatched_at, issue.accept_due_on, issue.accepted_at, issue.due_on,
                 issue.resolved_at) = second
                self._clock(issue, second[0], limit)
                issue.status, issue.latest_rating = Issue.Status.CLOSED, value
                issue.closed_at = rated_again
            else:
                rounds.append(self._open_round(issue, fate, rated, limit, reply))
        self.pending.append((issue, fate, rounds))

    @staticmethod
    def _clock(issue, dispatched: datetime, limit: int) -> None:
        """The round's clock, from which the workflow recomputes due dates."""
        issue.round_started_on = timezone.localtime(dispatched).date()
        issue.accept_limit_days = issue.category.accept_limit_days
        issue.resolve_limit_days = limit

    def _open_round(self, issue, fate, reopened, limit, reply) -> dict:
        """The second round of a reopened issue, stopped at ``fate``."""
        issue.status = fate
        issue.dispatched_at = issue.accept_due_on = issue.accepted_at = None
        issue.due_on = issue.resolved_at = None
        if fate == Issue.Status.SUBMITTED:
            return {"reopened": reopened}
        dispatched, accept_due, accepted, due, resolved = self._handle_round(
            issue, reopened, limit, open_until=self.today)
        step = {"reopened": reopened, "dispatched": dispatched, "accept_due": accept_due,
                "due": due}
        issue.dispatched_at, issue.accept_due_on, issue.due_on = dispatched, accept_due, due
        self._clock(issue, dispatched, limit)
        # A reopened round is supervised (督办) from the start; long overdue, it is listed in
        # the supervision bulletin, as the follow-up queue would have done.
        issue.escalation, issue.escalated_at = Issue.Escalation.SUPERVISED, reopened
        late = self.calendar.working_days_between(due, self.today)
        if fate in Issue.WITH_DEPARTMENT_STATUSES and late >= settings.ISSUE_BULLETIN_AFTER_DAYS:
            issue.escalation = Issue.Escalation.BULLETIN
        if fate in (Issue.Status.DISPATCHED, Issue.Status.RETURNED):
            if fate == Issue.Status.RETURNED:
                step["returned"] = dispatched + timedelta(hours=3)
            return step
        step["accepted"] = issue.accepted_at = accepted
        if fate == Issue.Status.IN_PROGRESS:
            step["progress"] = accepted + timedelta(days=1)
        if fate == Issue.Status.RESOLVED:
            step["resolved"] = issue.resolved_at = resolved
            step["reply"] = reply
        return step

    def build_timeline(self) -> None:
        coordinators = {code: self.host_for(code).user for code, *_ in data.REGIONS}
        handlers = {o.department_id: o.user for o in self.officials.values()
                    if o.role == Official.Role.HANDLER}
        events, ratings = [], []
        S, K = Issue.Status, IssueEvent.Kind
        for issue, _fate, rounds in self.pending:
            coordinator = coordinators.get(issue.region.code) or coordinators["huzhou"]
            handler = handlers.get(issue.lead_department_id)
            submitter = issue.entrepreneur.user if issue.source == Issue.Source.ONLINE \
                else coordinator

            def event(kind, when, actor, before, after, round_, message="", public=True,
                      data=None, issue=issue):
                events.append(IssueEvent(issue=issue, kind=kind, actor=actor,
                                         from_status=before, to_status=after, round=round_,
                                         message=message, is_public=public, data=data or {},
                                         created_at=when))

            event(K.SUBMITTED, issue.submitted_at, submitter, "", S.SUBMITTED, 1)
            for number, step in enumerate(rounds, start=1):
                before = S.SUBMITTED
                if "reopened" in step:
                    event(K.REOPENED, step["reopened"], None, S.RESOLVED, S.SUBMITTED, number,
                          "满意度评价为不满意，问题重新进入办理并列入督办。")
                if "dispatched" in step:
                    event(K.DISPATCHED, step["dispatched"], coordinator, before, S.DISPATCHED,
                          number, issue.lead_department.name, data={
                              "due_on": step["due"].isoformat(),
                              "accept_due_on": step["accept_due"].isoformat()})
                    before = S.DISPATCHED
                if "returned" in step:
                    event(K.RETURNED, step["returned"], handler, before, S.RETURNED, number,
                          "该事项不属于本部门职责，建议改派。", public=False)
                if "accepted" in step:
                    event(K.ACCEPTED, step["accepted"], handler, before, S.ACCEPTED, number)
                    before = S.ACCEPTED
                if "progress" in step:
                    event(K.PROGRESS, step["progress"], handler, before, S.IN_PROGRESS, number,
                          "已与企业电话沟通，正在协调相关单位。")
                    before = S.IN_PROGRESS
                if "resolved" in step:
                    event(K.RESOLVED, step["resolved"], handler, before, S.RESOLVED, number,
                          step["reply"])
                if "rating" in step:
                    dissatisfied = step["rating"] == RatingValue.DISSATISFIED
                    after = S.RESOLVED if dissatisfied else S.CLOSED
                    event(K.RATED, step["rated"], issue.entrepreneur.user, S.RESOLVED, after,
                          number, data={"rating": step["rating"]})
                    ratings.append(Rating(
                        issue=issue, round=number, value=step["rating"],
                        reason=Rating.Reason.HANDLING if dissatisfied else "",
                        comment="答复未解决实际问题。" if dissatisfied else "",
                        rated_by=issue.entrepreneur.user, rated_at=step["rated"]))
        IssueEvent.objects.bulk_create(events, batch_size=2000)
        Rating.objects.bulk_create(ratings, batch_size=2000)
        self.report.events, self.report.ratings = len(events), len(ratings)

    def build(self) -> HistoryReport:
        self.build_people()
        self.build_sessions()
        self.build_attendance()
        self.build_issues()
        self.build_timeline()
        return self.report
