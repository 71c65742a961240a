"""Issues entrepreneurs raise, their append-only timeline, attachments and ratings.

State changes belong to the workflow module; nothing here writes ``status``.

* ``issue``: categories, the issue, assisting departments, extension requests, references;
* ``records``: the timeline, attachments, ratings.

Every model is importable from ``issues.models`` (the migrations name
``issues.models.attachment_path``).
"""

from issues.models.issue import (
    SATISFIED_RATINGS,
    AssistingDepartment,
    Category,
    ExtensionRequest,
    Issue,
    IssueSequence,
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
    "MAX_ATTACHMENT_BYTES", "SATISFIED_RATINGS", "AppendOnlyModel", "AppendOnlyQuerySet",
    "AssistingDepartment", "Attachment", "Category", "ExtensionRequest", "Issue", "IssueEvent",
    "IssueSequence", "RatingValue", "SatisfactionRating", "attachment_path",
]
