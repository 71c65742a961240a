"""The issue screens: the list and its work queues, the issue page with the actions the
user may take, raising an issue, rating an answer, attachments and the supervision page.

Thin: the selectors decide who sees what, the forms parse what was typed, and the workflow
(``issues.workflow``) decides and writes. A refused action brings the issue page back with
the reason and everything that was typed.

* ``lists``: the issue list and its work queues, the supervision page;
* ``issue_page``: the issue page, its actions, the rating page, attachment downloads, the
  short link (/i/<reference>) SMS texts carry;
* ``raising``: raising an issue (an entrepreneur's own, or entered by a coordinator);
* ``rating_link``: the rating link of the SMS (``/r/<token>``), for anyone, with no log-in;
* ``calls``: the coordinators' follow-up queue (回访) and recording a call.
"""

from issues.views.calls import follow_up, record_call
from issues.views.issue_page import (
    attachment_download,
    issue_action,
    issue_detail,
    issue_rate,
    issue_short_link,
)
from issues.views.lists import issue_list, supervision
from issues.views.raising import issue_new
from issues.views.rating_link import rating_link, rating_link_file, rating_link_thanks

__all__ = ["attachment_download", "follow_up", "issue_action", "issue_detail", "issue_list",
           "issue_new", "issue_rate", "issue_short_link", "rating_link", "rating_link_file",
           "rating_link_thanks", "record_call", "supervision"]
