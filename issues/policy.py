"""Who may do what to an issue: the actions (``Action``), a user's parts in an issue
(``Party``), the table of which parts may take which action from which states (``RULES``),
the refusals (``WorkflowError`` and its kinds), and who may submit an issue.

The workflow (``issues.workflow``) checks these under the issue's row lock before it writes;
pages ask ``available_actions`` and ``action_refusal`` which forms to offer.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entrepreneurs.selectors import entrepreneur_for_user
from government.models import Official
from government.selectors import official_for_user, region_scope_for_user
from issues.models import Issue

S = Issue.Status


class Action(StrEnum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"
    NOTE = "note"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    RESOLVE = "resolve"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    RATE = "rate"
    RATE_BY_PHONE = "rate_by_phone"
    RECORD_CALL = "record_call"
    CLOSE = "close"
    #: A department lead signs off (审核签发) the answer a handler wrote, or sends it back.
    APPROVE_ANSWER = "approve_answer"
    SEND_BACK_ANSWER = "send_back_answer"
    #: The raiser withdraws (撤回) an issue not yet dispatched (交办), or adds material
    #: (补充材料: a note, files) to one still open.
    WITHDRAW = "withdraw"
    ADD_MATERIAL = "add_material"


class Party(StrEnum):
    """A user's part in one issue; one user may have several (or none)."""

    #: An administrator, or a coordinator whose region covers the issue's.
    COORDINATOR = "coordinator"
    #: A handler or department lead of the lead department (主办).
    LEAD_DEPARTMENT = "lead_department"
    #: A department lead of the lead department (who signs its answers off); also
    #: ``LEAD_DEPARTMENT``.
    LEAD_DEPARTMENT_LEAD = "lead_department_lead"
    #: A handler or department lead of an assisting department (协办).
    ASSISTING_DEPARTMENT = "assisting_department"
    #: The entrepreneur who raised the issue.
    RAISER = "raiser"


@dataclass(frozen=True)
class Rule:
    from_statuses: tuple[str, ...]
    parties: frozenset[Party]


P = Party
RULES: dict[Action, Rule] = {
    Action.DISPATCH: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED, S.REVIEW),
                          frozenset({P.COORDINATOR})),
    Action.ACCEPT: Rule((S.DISPATCHED,), frozenset({P.LEAD_DEPARTMENT})),
    Action.RETURN: Rule((S.DISPATCHED,), frozenset({P.LEAD_DEPARTMENT})),
    Action.NOTE: Rule((S.ACCEPTED, S.IN_PROGRESS),
                      frozenset({P.LEAD_DEPARTMENT, P.ASSISTING_DEPARTMENT, P.COORDINATOR})),
    Action.REQUEST_EXTENSION: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.LEAD_DEPARTMENT})),
    Action.DECIDE_EXTENSION: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.COORDINATOR})),
    Action.RESOLVE: Rule((S.ACCEPTED, S.IN_PROGRESS), frozenset({P.LEAD_DEPARTMENT})),
    Action.REJECT: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED), frozenset({P.COORDINATOR})),
    Action.MARK_DUPLICATE: Rule((S.SUBMITTED, S.RETURNED, S.DISPATCHED),
                                frozenset({P.COORDINATOR})),
    Action.RATE: Rule((S.RESOLVED,), frozenset({P.RAISER})),
    # A coordinator takes the rating on a follow-up call (回访), on the raiser's behalf.
    Action.RATE_BY_PHONE: Rule((S.RESOLVED,), frozenset({P.COORDINATOR})),
    # A coordinator records a follow-up call (回访): while the answer awaits a rating, and in
    # every state a rating leads to (closed; the coordinator's review; the departments'
    # states of a new round, returned included), to follow up a dissatisfied rating or
    # verify another. Which rating a call is about is checked by the workflow.
    Action.RECORD_CALL: Rule((S.RESOLVED, S.CLOSED, S.REVIEW, S.DISPATCHED, S.RETURNED,
                              S.ACCEPTED, S.IN_PROGRESS), frozenset({P.COORDINATOR})),
    Action.CLOSE: Rule((S.REVIEW,), frozenset({P.COORDINATOR})),
    # Only while a handler's answer waits for sign-off (the workflow checks that).
    Action.APPROVE_ANSWER: Rule((S.ACCEPTED, S.IN_PROGRESS),
                                frozenset({P.LEAD_DEPARTMENT_LEAD})),
    Action.SEND_BACK_ANSWER: Rule((S.ACCEPTED, S.IN_PROGRESS),
                                  frozenset({P.LEAD_DEPARTMENT_LEAD})),
    # The raiser, or a coordinator of the region on their behalf (who may have recorded the
    # issue for them, or is asked by phone): before any department has it.
    Action.WITHDRAW: Rule((S.SUBMITTED,), frozenset({P.RAISER, P.COORDINATOR})),
    # The same people, while the issue is not finished (closed, not taken up, withdrawn).
    Action.ADD_MATERIAL: Rule(
        tuple(status for status in S if status not in Issue.TERMINAL_STATUSES),
        frozenset({P.RAISER, P.COORDINATOR}),
    ),
}

#: Who a party is, in words for the refusal's message.
WHO = {
    P.COORDINATOR: gettext_lazy("a coordinator of the issue's region"),
    P.LEAD_DEPARTMENT: gettext_lazy("the lead department"),
    P.LEAD_DEPARTMENT_LEAD: gettext_lazy("a department lead of the lead department"),
    P.ASSISTING_DEPARTMENT: gettext_lazy("an assisting department"),
    P.RAISER: gettext_lazy("the entrepreneur who raised the issue"),
}


class WorkflowError(Exception):
    """The action was refused; ``message`` says why, in the user's language."""

    status_code = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ActionNotAllowed(WorkflowError):
    status_code = 403


class WrongState(WorkflowError):
    status_code = 409


class StaleIssue(WorkflowError):
    status_code = 409


def parties_of(*, user, issue: Issue) -> frozenset[Party]:
    """The user's parts in the issue. At most one query (assisting departments)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset({P.COORDINATOR})
    official = official_for_user(user=user)
    if official is not None:
        if official.role == Official.Role.COORDINATOR:
            region = region_scope_for_user(user=user)
            covers = region is None or region.pk == issue.region_id
            return frozenset({P.COORDINATOR}) if covers else frozenset()
        if official.role in Official.DEPARTMENT_ROLES:
            parties = set()
            if issue.lead_department_id == official.department_id:
                parties.add(P.LEAD_DEPARTMENT)
                if official.role == Official.Role.DEPARTMENT_LEAD:
                    parties.add(P.LEAD_DEPARTMENT_LEAD)
            # Read from the prefetched assisting departments when the caller has them.
            if any(assistance.department_id == official.department_id
                   for assistance in issue.assistances.all()):
                parties.add(P.ASSISTING_DEPARTMENT)
            return frozenset(parties)
        return frozenset()  # leaders read, they do not act
    entrepreneur = entrepreneur_for_user(user=user)
    if entrepreneur is not None and entrepreneur.pk == issue.entrepreneur_id:
        return frozenset({P.RAISER})
    return frozenset()


def available_actions(*, user, issue: Issue) -> frozenset[Action]:
    """What the user may do to the issue now, for the page's buttons. The functions below
    check again when they run."""
    parties = parties_of(user=user, issue=issue)
    return frozenset(
        action for action, rule in RULES.items()
        if issue.status in rule.from_statuses and parties & rule.parties
    )


def action_refusal(*, user, action: Action, issue: Issue) -> WorkflowError | None:
    """Why the user may not take the action on the issue now (None if they may): what a
    page says instead of offering the form."""
    return _refusal(action, parties=parties_of(user=user, issue=issue), issue=issue)


def _refusal(action: Action, *, parties, issue: Issue) -> WorkflowError | None:
    rule = RULES[action]
    if not parties & rule.parties:
        who = ", ".join(str(WHO[party]) for party in sorted(rule.parties))
        return ActionNotAllowed(_("Only %(who)s can do this.") % {"who": who})
    if issue.status not in rule.from_statuses:
        return wrong_state(issue)
    return None


def wrong_state(issue: Issue) -> WrongState:
    """The refusal of an action the issue's current state does not allow."""
    return WrongState(
        _("This cannot be done while the issue is “%(status)s”.")
        % {"status": issue.get_status_display()}
    )


# --- Submitting an issue ------------------------------------------------------------------


def may_submit_for_self(*, user) -> bool:
    """A verified entrepreneur raises their own issues."""
    person = entrepreneur_for_user(user=user)
    return bool(user.is_active and person is not None and person.is_verified
                and user.has_perm("issues.add_issue"))


def may_submit_for_others(*, user) -> bool:
    """Coordinators (and administrators) enter issues on an entrepreneur's behalf."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    official = official_for_user(user=user)
    return (official is not None and official.role == Official.Role.COORDINATOR
            and user.has_perm("issues.add_issue"))
