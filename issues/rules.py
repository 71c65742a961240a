"""The workflow's adjustable numbers, read from settings (each has an environment variable).

They are read on every call, so tests and a changed environment take effect at once.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class WorkflowRules:
    #: Handling rounds an issue may have; a dissatisfied rating in the last one goes to a
    #: coordinator, who decides whether to close it or dispatch it again.
    max_rounds: int
    #: Working days after dispatch in which a department may return an issue as misrouted.
    return_window_days: int
    #: The most working days one extension may add.
    max_extension_days: int
    #: A department is reminded when a due date is this many working days away (or less).
    remind_before_days: int
    #: Working days overdue after which an issue is put under supervision (督办), and after
    #: which it is listed in the supervision bulletin.
    supervise_after_days: int
    bulletin_after_days: int
    #: Working days after the answer: one reminder to rate, then closing as unrated.
    rating_reminder_days: int
    rating_close_days: int
    #: Follow-up calls (回访): a dissatisfied rating is called within this many working
    #: days; this share (per cent) of the other ratings is called to verify them; after
    #: this many calls that do not reach the person, an unrated answer closes unrated.
    call_dissatisfied_within_days: int
    call_verify_percent: int
    call_attempts_before_closing: int


def workflow_rules() -> WorkflowRules:
    return WorkflowRules(
        max_rounds=settings.ISSUE_MAX_ROUNDS,
        return_window_days=settings.ISSUE_RETURN_WINDOW_DAYS,
        max_extension_days=settings.ISSUE_MAX_EXTENSION_DAYS,
        remind_before_days=settings.ISSUE_REMIND_BEFORE_DAYS,
        supervise_after_days=settings.ISSUE_SUPERVISE_AFTER_DAYS,
        bulletin_after_days=settings.ISSUE_BULLETIN_AFTER_DAYS,
        rating_reminder_days=settings.ISSUE_RATING_REMINDER_DAYS,
        rating_close_days=settings.ISSUE_RATING_CLOSE_DAYS,
        call_dissatisfied_within_days=settings.ISSUE_CALL_DISSATISFIED_WITHIN_DAYS,
        call_verify_percent=settings.ISSUE_CALL_VERIFY_PERCENT,
        call_attempts_before_closing=settings.ISSUE_CALL_ATTEMPTS_BEFORE_CLOSING,
    )
