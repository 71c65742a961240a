"""Issues entrepreneurs raise, their append-only timeline, attachments and ratings.

State changes belong to the workflow module; nothing here writes ``status``.

* ``issue``: categories, the issue, assisting departments, extension requests, references;
* ``records``: the timeline, attachments, ratings;
* ``answers``: a department's answer with its sign-off, and the follow-up calls (回访).

Every model is importable from ``issues.models`` (the migrations name
``issues.models.attachment_path``).
"""

from issues.models.answers import Answer, FollowUpCall
from issues.models.issue import (
    SATISFIED_RATINGS,
    AssistingDepartment,
    Category,
    ExtensionRequest,
    Issue,
    IssueSequence,
    RatingChannel,
    RatingValue,
)
from issues.models.records import (
    MAX_ATTACHMENT_BYTES,
    AppendOnlyModel,
    AppendOnlyQuerySet,
    Attachment,
    IssueEvent,
    SatisfactionRating,
    attachment_path,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES", "SATISFIED_RATINGS", "Answer", "AppendOnlyModel",
    "AppendOnlyQuerySet", "AssistingDepartment", "Attachment", "Category", "ExtensionRequest",
    "FollowUpCall", "Issue", "IssueEvent", "IssueSequence", "RatingChannel", "RatingValue",
    "SatisfactionRating", "attachment_path",
]
