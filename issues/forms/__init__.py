"""Forms of the issue pages: the list's filters (``lists``), raising an issue (``raising``),
each workflow action and the rating (``actions``). Every form is importable from here.

The forms only parse what was typed; the workflow (``issues.workflow``) decides.
"""

from issues.forms.actions import (
    ACTION_FORMS,
    AcceptForm,
    ActionForm,
    ApproveAnswerForm,
    CloseForm,
    DecideExtensionForm,
    DispatchForm,
    MarkDuplicateForm,
    NoteForm,
    RateForm,
    RejectForm,
    RequestExtensionForm,
    ResolveForm,
    ReturnForm,
    SendBackAnswerForm,
)
from issues.forms.lists import IssueFilterForm
from issues.forms.raising import IssueSubmitForm

__all__ = [
    "ACTION_FORMS", "AcceptForm", "ActionForm", "ApproveAnswerForm", "CloseForm",
    "DecideExtensionForm",
    "DispatchForm", "IssueFilterForm", "IssueSubmitForm", "MarkDuplicateForm", "NoteForm",
    "RateForm", "RejectForm", "RequestExtensionForm", "ResolveForm", "ReturnForm",
    "SendBackAnswerForm",
]
