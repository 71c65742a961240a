"""Forms of the issue pages: the list's filters (``lists``), raising an issue (``raising``),
each workflow action and the rating (``actions``), the rating by the SMS's link
(``rating_link``). Every form is importable from here.

The forms only parse what was typed; the workflow (``issues.workflow``) decides.
"""

from issues.forms.actions import (
    ACTION_FORMS,
    AcceptForm,
    ActionForm,
    AddMaterialForm,
    ApproveAnswerForm,
    CloseForm,
    DecideExtensionForm,
    DispatchForm,
    MarkDuplicateForm,
    NoteForm,
    RateForm,
    RecordCallForm,
    RejectForm,
    RequestExtensionForm,
    ResolveForm,
    ReturnForm,
    SendBackAnswerForm,
    WithdrawForm,
)
from issues.forms.lists import IssueFilterForm
from issues.forms.raising import IssueSubmitForm
from issues.forms.rating_link import RatingLinkForm

__all__ = [
    "ACTION_FORMS", "AcceptForm", "ActionForm", "AddMaterialForm", "ApproveAnswerForm", "CloseForm",
    "DecideExtensionForm",
    "DispatchForm", "IssueFilterForm", "IssueSubmitForm", "MarkDuplicateForm", "NoteForm",
    "RateForm", "RatingLinkForm", "RecordCallForm", "RejectForm", "RequestExtensionForm",
    "ResolveForm", "ReturnForm", "SendBackAnswerForm", "WithdrawForm",
]
