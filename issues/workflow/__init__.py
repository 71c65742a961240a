"""The issue workflow: every change of an issue's state.

    submitted ─dispatch→ dispatched ─accept→ accepted ─note→ in progress ─resolve→ resolved
        │  ↑                 │ return (misrouted, within a working day)          │ rate
        │  └── returned ←────┘                                                   ↓
        ├─reject / mark duplicate (terminal)       satisfied → closed · dissatisfied → new round
        └─withdraw (by the raiser, 撤回; terminal)  (or, after the last round, the coordinator's
                                                   review: dispatch again, or close)
    resolved, unrated for long enough (or after enough unanswered follow-up calls, 回访)
        → closed unrated (never counted as satisfied)
    where the department requires sign-off (审核签发), a handler's answer waits in progress
    for a lead: approved → resolved (answered then), sent back → the handler answers again

This package is the only writer of ``Issue.status``: views, the admin, tasks, the
follow-up queue and the demo data all call the functions here; nothing else writes it.
Each action is one function. It takes the acting user, the issue and the version the user
saw; it checks, under a row lock, that the version is current, that the user's part in the
issue (``Party``) allows the action, and that the issue's state does (``RULES``); then it
writes the issue, the timeline entry and the outbox rows in one transaction, and sends
``issues.signals.issue_changed``.

Where each part lives (every public name is importable from ``issues.workflow``):

* ``issues.policy``: who may do what (``Action``, ``Party``, ``RULES``, the refusals);
* ``base``: the lock and check (``_begin``), the save and timeline entry (``record_change``);
* ``submission``: ``issue_submit``;
* ``coordination``: dispatch, reject, mark duplicate, decide an extension, close;
* ``handling``: the departments' accept, return, notes, extension request;
* ``answering``: the answer (resolve) with its files, and the lead's sign-off (approve,
  send back) where the department requires it;
* ``rating``: the rating (online, by the SMS link, by phone), the new round, closing an
  answer left unrated;
* ``calls``: the coordinators' follow-up calls (回访), ``issue_record_call``;
* ``raiser``: the raiser's own: withdraw before dispatch (撤回), add material while not
  finished (补充材料).

Refusals raise ``WorkflowError`` (``ActionNotAllowed``: the user's part does not allow it;
``WrongState``: not in this state; ``StaleIssue``: someone else changed it first) or
Django's ``ValidationError`` for bad input, and write nothing.
"""

from issues.policy import (
    RULES,
    Action,
    ActionNotAllowed,
    Party,
    StaleIssue,
    WorkflowError,
    WrongState,
    action_refusal,
    available_actions,
    may_submit_for_others,
    may_submit_for_self,
    parties_of,
)
from issues.workflow.answering import (
    issue_approve_answer,
    issue_resolve,
    issue_send_back_answer,
)
from issues.workflow.base import (
    event_key,
    lock_issue,
    record_change,
    save_issue,
)
from issues.workflow.calls import issue_record_call
from issues.workflow.coordination import (
    issue_close,
    issue_decide_extension,
    issue_dispatch,
    issue_mark_duplicate,
    issue_reject,
)
from issues.workflow.handling import (
    issue_accept,
    issue_add_note,
    issue_request_extension,
    issue_return,
)
from issues.workflow.raiser import issue_add_material, issue_withdraw
from issues.workflow.rating import (
    issue_close_unrated,
    issue_rate,
    issue_rate_by_link,
    issue_rate_by_phone,
)
from issues.workflow.submission import issue_submit

#: What each action runs, for the issue page and the API alike (``issues.policy.Action``).
ACTION_FUNCTIONS = {
    Action.DISPATCH: issue_dispatch,
    Action.ACCEPT: issue_accept,
    Action.RETURN: issue_return,
    Action.NOTE: issue_add_note,
    Action.REQUEST_EXTENSION: issue_request_extension,
    Action.DECIDE_EXTENSION: issue_decide_extension,
    Action.RESOLVE: issue_resolve,
    Action.REJECT: issue_reject,
    Action.MARK_DUPLICATE: issue_mark_duplicate,
    Action.CLOSE: issue_close,
    Action.RATE: issue_rate,
    Action.APPROVE_ANSWER: issue_approve_answer,
    Action.SEND_BACK_ANSWER: issue_send_back_answer,
    Action.WITHDRAW: issue_withdraw,
    Action.ADD_MATERIAL: issue_add_material,
}

__all__ = [
    "ACTION_FUNCTIONS", "RULES", "Action", "ActionNotAllowed", "Party", "StaleIssue",
    "WorkflowError", "WrongState", "action_refusal",
    "available_actions", "event_key", "issue_accept", "issue_add_material", "issue_add_note",
    "issue_approve_answer", "issue_close",
    "issue_close_unrated", "issue_decide_extension", "issue_dispatch", "issue_mark_duplicate",
    "issue_rate", "issue_rate_by_link", "issue_rate_by_phone", "issue_record_call",
    "issue_reject", "issue_request_extension", "issue_resolve", "issue_return",
    "issue_send_back_answer",
    "issue_submit", "issue_withdraw", "lock_issue", "may_submit_for_others",
    "may_submit_for_self", "parties_of",
    "record_change", "save_issue",
]
