"""The rating link of the SMS, ``/r/<token>``: the answer, its files and the rating form, for
anyone who holds the link, logged in or not (people added at the door have no account).

The token is the scope (``issues.rating_links``): a genuine token shows its round's answer
while that answer waits for its rating; a used, earlier, expired or altered one gets a page
that says which, in plain words, with the coordinators' telephone. The raiser, when logged
in, is sent on to the rating page of the site instead.

Every request counts against ``RATELIMIT_RATING_LINK`` per address; altered or unknown
tokens also count against ``RATELIMIT_RATING_LINK_REFUSED``, past which every rating link
from that address answers 429 (a right guess then looks like a wrong one).
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import add_service_errors
from core.ratelimits import rate_limit_hit
from issues import workflow
from issues.attachments import attachment_response
from issues.forms import RatingLinkForm
from issues.models import Attachment, Issue, RatingValue
from issues.rating_links import (
    LinkReading,
    LinkState,
    rating_link_attachment,
    rating_link_read,
    rating_outcome,
)
from issues.workflow import WorkflowError

TEMPLATE = "issues/rate_by_link.html"
TOO_MANY = _("Too many attempts from your connection. Please try again in an hour, or call "
             "the coordinators.")


def _too_many(request):
    return render(request, TEMPLATE, {"state": "limited", "message": TOO_MANY}, status=429)


def _read(request, token: str):
    """The link's reading, or the response that refuses it: 429 over the limits; the
    "not valid" page (and one more refused attempt counted) for an altered token."""
    if (rate_limit_hit(request, name="rating_link")
            or rate_limit_hit(request, name="rating_link_refused", increment=False)):
        return None, _too_many(request)
    reading = rating_link_read(token)
    if reading.state == LinkState.INVALID:
        if rate_limit_hit(request, name="rating_link_refused"):
            return None, _too_many(request)
        return None, _state_page(request, reading)
    return reading, None


def _state_page(request, reading: LinkReading, *, typed_comment: str = ""):
    """The page of a link that cannot rate (any more), saying why."""
    return render(request, TEMPLATE, {
        "state": reading.state, "reading": reading, "issue": reading.issue,
        "typed_comment": typed_comment,
    }, status=reading.status_code)


def _is_raiser(user, issue: Issue) -> bool:
    return user.is_authenticated and issue.entrepreneur.user_id == user.pk


@require_http_methods(["GET", "POST"])
def rating_link(request, token: str):
    """The answer and the rating form; a rating goes through the workflow like any other
    (``issue_rate_by_link``) and the person is thanked on the next page."""
    reading, refused = _read(request, token)
    if refused is not None:
        return refused
    issue = reading.issue
    if request.method == "GET" and _is_raiser(request.user, issue):
        return redirect("issues:rate", reference=issue.reference)
    if reading.state != LinkState.OPEN:
        return _state_page(request, reading, typed_comment=request.POST.get("comment", ""))
    status = 200
    if request.method == "POST":
        form = RatingLinkForm(request.POST)
        if form.is_valid():
            try:
                workflow.issue_rate_by_link(issue_id=issue.pk, round=reading.link.round,
                                            **form.arguments())
            except WorkflowError:
                # Rated (or moved on) since the page was read: say what it is now.
                return _state_page(request, rating_link_read(token),
                                   typed_comment=form.cleaned_data.get("comment", ""))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("rating_link:thanks", token=token)
        status = 400
    else:
        form = RatingLinkForm()
    return render(request, TEMPLATE, {
        "state": reading.state, "reading": reading, "issue": issue, "form": form,
        "dissatisfied": RatingValue.DISSATISFIED,
    }, status=status)


@require_GET
def rating_link_thanks(request, token: str):
    """After the rating: what happens next (closed; answered again by a date; a
    coordinator decides), and whether a coordinator will call."""
    reading, refused = _read(request, token)
    if refused is not None:
        return refused
    rating, issue = reading.rating, reading.issue
    if rating is None:
        return redirect("rating_link:page", token=token)
    outcome, due_on = rating_outcome(reading)
    return render(request, "issues/rate_by_link_thanks.html", {
        "reading": reading, "issue": issue, "rating": rating, "outcome": outcome,
        "due_on": due_on, "will_call": rating.verify_by_call,
    })


@require_GET
def rating_link_file(request, token: str, pk: int):
    """A file of the answer an open link shows (the answer letter, 答复函), as a download."""
    reading, refused = _read(request, token)
    if refused is not None:
        return refused
    if reading.state != LinkState.OPEN:
        return _state_page(request, reading)
    try:
        attachment = rating_link_attachment(reading, pk)
    except Attachment.DoesNotExist:
        raise Http404(_("No such attachment.")) from None
    return attachment_response(attachment=attachment)
