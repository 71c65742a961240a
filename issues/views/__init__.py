"""The issue screens: the list and its work queues, the issue page with the actions the
user may take, raising an issue, rating an answer, attachments and the supervision page.

Thin: the selectors decide who sees what, the forms parse what was typed, and the workflow
(``issues.workflow``) decides and writes. A refused action brings the issue page back with
the reason and everything that was typed.

* ``lists``: the issue list and its work queues, the supervision page;
* ``issue_page``: the issue page, its actions, the rating page, attachment downloads;
* ``raising``: raising an issue (an entrepreneur's own, or entered by a coordinator);
* ``calls``: the coordinators' follow-up queue (回访) and recording a call.
"""

from issues.views.calls import follow_up, record_call
from issues.views.issue_page import attachment_download, issue_action, issue_detail, issue_rate
from issues.views.lists import issue_list, supervision
from issues.views.raising import issue_new

__all__ = ["attachment_download", "follow_up", "issue_action", "issue_detail", "issue_list",
           "issue_new", "issue_rate", "record_call", "supervision"]
