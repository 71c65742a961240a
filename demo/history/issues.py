"""The issues: 5,895 issues, each round's timeline of events, and the ratings.

A mixin of ``demo.history.HistoryBuilder``: it uses the people, the held
sessions and their attendees that ``PeopleAndSessionsHistory`` built. Every
issue is rated; the 33 rated dissatisfied were reopened and stand today in every
open state (``OPEN_STATE_PLAN``), supervised, so every work queue has something
to show without changing a published figure.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from demo import data
from demo.history.record import (
    PUBLISHED_ISSUES,
    REOPENED_OPEN,
    REOPENED_THEN_SATISFIED,
    at,
)
from government.models import Official
from issues.models import (
    Answer,
    FollowUpCall,
    Issue,
    IssueEvent,
    IssueSequence,
    RatingChannel,
    RatingValue,
)
from issues.models import SatisfactionRating as Rating
from issues.rules import workflow_rules
from issues.services import format_reference

#: Answers of the departments that sign off are stored as signed-off answers for the rounds
#: answered in this many last days (since the product recorded them).
SIGNED_OFF_DAYS = 120

# Where the reopened issues stand in their second round.
OPEN_STATE_PLAN = (
    [Issue.Status.SUBMITTED] * 4 + [Issue.Status.DISPATCHED] * 6 + [Issue.Status.RETURNED] * 3
    + [Issue.Status.ACCEPTED] * 5 + [Issue.Status.IN_PROGRESS] * 9 + [Issue.Status.RESOLVED] * 6
)
assert len(OPEN_STATE_PLAN) == REOPENED_OPEN


class IssuesHistory:
    """Builds the issues with their rounds, then their events and ratings."""

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
        self._plan_contact(issue, rounds)
        self.pending.append((issue, fate, rounds))

    def _plan_contact(self, issue, rounds) -> None:
        """How each round's rating reached the programme and the follow-up calls (回访)
        about it: online for a person with an account; else by the SMS link or, on a
        coordinator's call, by phone. Every dissatisfied rating gets a call the next day,
        and a sample of the others (not those given by phone) a call to verify them."""
        rng, latest = self.later_rng, at(self.today - timedelta(days=1), 18)
        percent = workflow_rules().call_verify_percent
        for step in rounds:
            if "rating" not in step:
                continue
            if issue.entrepreneur.user_id is not None:
                channel = RatingChannel.ONLINE
            elif rng.random() < data.LINK_SHARE:
                channel = RatingChannel.LINK
            else:
                channel = RatingChannel.PHONE
            dissatisfied = step["rating"] == RatingValue.DISSATISFIED
            step["channel"] = channel
            step["verify"] = dissatisfied or (channel != RatingChannel.PHONE
                                              and rng.randrange(100) < percent)
            calls = []
            if channel == RatingChannel.PHONE:  # the call on which the rating was given
                calls.append((FollowUpCall.Purpose.AWAITING_RATING, step["rated"], True))
            if dissatisfied:
                calls.append((FollowUpCall.Purpose.DISSATISFIED,
                              min(step["rated"] + timedelta(days=1), latest), True))
            elif step["verify"]:
                calls.append((FollowUpCall.Purpose.VERIFICATION,
                              min(step["rated"] + timedelta(days=rng.randint(1, 3)), latest),
                              rng.random() < 0.9))
            step["calls"] = calls
            issue.latest_rating_channel = channel
        issue.last_called_at = max((when for step in rounds for _purpose, when, reached
                                    in step.get("calls", ()) if reached), default=None)

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
        leads = {o.department_id: o.user for o in self.officials.values()
                 if o.role == Official.Role.DEPARTMENT_LEAD}
        signed_off_since = at(self.today - timedelta(days=SIGNED_OFF_DAYS), 0)
        events, ratings, calls, answers = [], [], [], []
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
                lead = leads.get(issue.lead_department_id)
                if "resolved" in step and lead is not None and \
                        step["resolved"] >= signed_off_since:
                    # The handler's answer waited for the lead's sign-off (审核签发).
                    written = max(step["resolved"] - timedelta(hours=self.later_rng.randint(
                        2, 20)), step["accepted"] + timedelta(minutes=30))
                    event(K.ANSWER_SUBMITTED, written, handler, "", "", number, public=False)
                    answers.append(Answer(
                        issue=issue, round=number, reply=step["reply"],
                        status=Answer.Status.APPROVED, written_by=handler, written_at=written,
                        decided_by=lead, decided_at=step["resolved"]))
                if "resolved" in step:
                    event(K.RESOLVED, step["resolved"], handler, before, S.RESOLVED, number,
                          step["reply"])
                if "rating" in step:
                    ratings.append(self._rating(issue, number, step, coordinator, event))
                    for purpose, when, reached in step["calls"]:
                        note = data.CALL_NOTES[purpose if reached else "unreached"]
                        event(K.CALL, when, coordinator, "", "", number, note, public=False,
                              data={"purpose": purpose, "reached": reached})
                        calls.append((ratings[-1], FollowUpCall(
                            issue=issue, round=number, purpose=purpose, reached=reached,
                            note=note, called_by=coordinator, called_at=when)))
        IssueEvent.objects.bulk_create(events, batch_size=2000)
        Rating.objects.bulk_create(ratings, batch_size=2000)
        for rating, call in calls:
            if call.purpose == FollowUpCall.Purpose.AWAITING_RATING:
                call.rating_given = rating
            else:
                call.about_rating = rating
        FollowUpCall.objects.bulk_create([call for _rating, call in calls], batch_size=2000)
        Answer.objects.bulk_create(answers, batch_size=2000)
        self.report.events, self.report.ratings = len(events), len(ratings)

    @staticmethod
    def _rating(issue, number: int, step: dict, coordinator, event) -> Rating:
        """The round's rating, with its channel, and its timeline entry: given online by the
        person's account, by the SMS link (nobody logged in) or by phone, recorded by the
        coordinator who called."""
        dissatisfied = step["rating"] == RatingValue.DISSATISFIED
        reason = Rating.Reason.HANDLING if dissatisfied else ""
        channel = step["channel"]
        account = issue.entrepreneur.user if channel == RatingChannel.ONLINE else None
        recorder = coordinator if channel == RatingChannel.PHONE else None
        event(IssueEvent.Kind.RATED, step["rated"], account or recorder, Issue.Status.RESOLVED,
              Issue.Status.RESOLVED if dissatisfied else Issue.Status.CLOSED, number,
              data={"value": step["rating"], "reason": reason, "channel": channel})
        return Rating(issue=issue, round=number, value=step["rating"], reason=reason,
                      comment="答复未解决实际问题。" if dissatisfied else "", rated_by=account,
                      channel=channel, recorded_by=recorder, verify_by_call=step["verify"],
                      rated_at=step["rated"])
