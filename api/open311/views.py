"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in JSON and
XML by the URL's extension (docs/api-open311.md).

Plain Django views: the spec's shapes are not REST framework's. Reads start from
``api.open311.selectors`` (the key's scope, or the public one); the one write, POST
requests, goes through ``issues.workflow.issue_submit`` as the key's coordinator. Every
refusal answers in the spec's error format (400, 403, 404, 405), never a 500.
"""

import functools
import re
from datetime import date, datetime, time, timedelta

from django.core.exceptions import BadRequest, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from api.keys import mark_used, token_authenticate
from api.models import ApiToken
from api.open311 import selectors
from api.open311.formats import FORMATS, errors, render
from core.validators import (
    normalize_credit_code,
    normalize_mobile,
    validate_clean_text,
    validate_credit_code,
)
from issues import workflow
from issues.models import Issue

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When this endpoint last changed in a way a client would notice (discovery's changeset).
CHANGESET = "2026-12-07T00:00:00+08:00"
#: Most requests one GET answers (the spec allows up to 1,000; 200 keeps a page light).
MAX_REQUESTS = 200
#: Most ids one ``service_request_id`` list may name.
MAX_IDS = 200
#: The widest ``start_date``–``end_date`` window, and the default one (the last 90 days).
MAX_WINDOW = timedelta(days=90)
#: The dates a window may span: far enough either way, and safe to convert to UTC.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
MAX_DESCRIPTION = 4000
TITLE_LENGTH = 60
#: What no query, form field or address may hold (the description's line breaks aside).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Fields of a POST that the spec defines and we accept; those not listed in the docs as
#: used are accepted and ignored (lat, long, address_id, device_id, account_id, media_url,
#: jurisdiction_id: a single jurisdiction).
POST_FIELDS = {
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string",
    "address_id", "email", "device_id", "account_id", "first_name", "last_name", "phone",
    "description", "media_url",
}
ATTRIBUTES = ("credit_code", "county")
#: The longest a one-line field of a POST may be.
FIELD_LIMITS = {"first_name": 50, "last_name": 50, "phone": 30, "email": 254,
                "address_string": 200, "attribute[county]": 30, "attribute[credit_code]": 40}


def _language(value: str) -> str | None:
    value = (value or "").strip().lower().replace("_", "-")
    if value.startswith("en"):
        return "en"
    if value.startswith("zh"):
        return "zh-hans"
    return None


def _unreadable(request, kwargs) -> str | None:
    """Why the query, the form or the address cannot be read (a malformed body, too many
    fields, a control character), or None."""
    try:
        texts = [*kwargs.values()]
        for source in (request.GET, request.POST):
            for name, values in source.lists():
                texts.append(name)
                texts.extend(values)
    except (MultiPartParserError, SuspiciousOperation, BadRequest, UnicodeDecodeError):
        return _("The request's form cannot be read: send it form-encoded "
                 "(application/x-www-form-urlencoded).")
    if any(_CONTROL.search(text) for text in texts):
        return _("The request contains invisible control characters or broken characters: "
                 "please remove them.")
    return None


def open311(*methods):
    """The endpoint's frame: the format from the URL (400 in JSON if we do not speak it),
    the methods allowed (405 otherwise), a query or form we can read (400 otherwise), and
    the language from ``locale`` when given (else the request's ``Accept-Language``)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, fmt: str = "", **kwargs):
            fmt = fmt.lower()
            problem = _unreadable(request, kwargs)
            language = None if problem else _language(
                request.GET.get("locale") or request.POST.get("locale", ""))
            with translation.override(language or translation.get_language()):
                if fmt not in FORMATS:
                    shown = _CONTROL.sub("", fmt)[:20]
                    return errors("json", 400, _("Unknown format “%(format)s”: ask for .json "
                                                 "or .xml.") % {"format": shown})
                if problem:
                    return errors(fmt, 400, problem)
                if request.method not in methods:
                    response = errors(fmt, 405, _("This address does not take %(method)s.")
                                      % {"method": request.method[:10]})
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, fmt, *args, **kwargs)
        # Authenticated by the api_key, never by a cookie: no CSRF token to ask for.
        return csrf_exempt(wrapped)
    return decorate


def _moment(value) -> str | None:
    """ISO 8601 in Huzhou time: ``2026-12-07T10:30:00+08:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _day_end(day) -> str | None:
    """A due date as the last second of that day, Huzhou time."""
    if day is None:
        return None
    return _moment(timezone.make_aware(datetime.combine(day, time(23, 59, 59))))


def _authenticated(request, fmt: str, raw: str):
    """``(token, None)`` for a valid key, ``(None, None)`` without one, ``(None, error)`` for
    a key that does not work (unknown, revoked, expired): never taken as anonymous."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    token = token_authenticate(raw)
    if token is None:
        return None, errors(fmt, 403, _("This api_key is not valid: it is unknown, revoked or "
                                        "expired."))
    mark_used(token)
    return token, None


# --- Discovery and services -----------------------------------------------------------------


@open311("GET")
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": CHANGESET,
        "contact": _("The coordinators of the United Front Work Department of Huzhou, through "
                     "the Huzhou Talks site."),
        "key_service": _("An administrator issues a system key (api_key) to an integrating "
                         "system, acting as one of its coordinators."),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base, "changeset": CHANGESET,
            "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, root="discovery", item="", data=data)


def _service_row(category) -> dict:
    keywords = [category.code, category.name, category.name_en]
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": category.display_description,
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(word for word in keywords if word),
        "group": _("The six environments"),
    }


@open311("GET")
def services(request, fmt: str):
    rows = [_service_row(category) for category in selectors.open311_services()]
    return render(fmt, root="services", item="service", data=rows)


@open311("GET")
def service_definition(request, fmt: str, service_code: str):
    category = selectors.open311_services().filter(code=service_code[:40]).first()
    if category is None:
        return errors(fmt, 404, _("There is no service “%(code)s”.")
                      % {"code": service_code[:40]})
    counties = [{"key": region.code, "name": region.display_name}
                for region in selectors.open311_counties()]
    data = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True, "code": "credit_code", "datatype": "string",
                "required": False,
                "datatype_description": _("The 18-character unified social credit code "
                                          "(统一社会信用代码) on the business licence."),
                "order": 1,
                "description": _("The enterprise's unified social credit code. Required "
                                 "unless address_string gives the enterprise's registered "
                                 "name."),
            },
            {
                "variable": True, "code": "county", "datatype": "singlevaluelist",
                "required": False, "datatype_description": "",
                "order": 2,
                "description": _("The district, county or area where the enterprise is "
                                 "registered."),
                "values": counties,
            },
        ],
    }
    return render(fmt, root="service_definition", item="", data=data)


# --- Reading requests -----------------------------------------------------------------------


def _description(issue: Issue) -> str:
    if issue.description.startswith(issue.title):
        return issue.description
    return f"{issue.title}\n\n{issue.description}"


def _request_row(issue: Issue, *, full: bool) -> dict:
    """One request in the spec's order. ``full`` (a key whose scope covers the issue): with
    its description; without: the public fields only."""
    updated = max(filter(None, (issue.submitted_at, issue.last_event_at)))
    return {
        "service_request_id": issue.reference,
        "status": "closed" if issue.status in Issue.TERMINAL_STATUSES else "open",
        "status_notes": issue.get_status_display(),
        "service_name": issue.category.display_name,
        "service_code": issue.category.code,
        "description": _description(issue) if full else None,
        "agency_responsible": issue.lead_department.display_name if issue.lead_department
        else None,
        "service_notice": None,
        "requested_datetime": _moment(issue.submitted_at),
        "updated_datetime": _moment(updated),
        "expected_datetime": _day_end(issue.due_on),
        "address": issue.region.display_name,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _render_requests(fmt: str, issues, *, full: bool, status: int = 200):
    rows = [_request_row(issue, full=full) for issue in issues]
    return render(fmt, root="service_requests", item="request", data=rows, status=status)


def _when(text: str, name: str) -> datetime:
    """A ``start_date``/``end_date``: ISO 8601, a date and time (with or without an offset:
    without one it is Huzhou time) or a date alone (its midnight)."""
    text = text.strip()
    value = None
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = None if day is None else datetime.combine(day, time.min)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
    except (ValueError, OverflowError):
        value = None
    if value is None:
        raise ValidationError(_("%(name)s is not an ISO 8601 date and time, such as "
                                "2026-12-07T09:00:00+08:00.") % {"name": name})
    return value


def _window(start_text: str, end_text: str) -> tuple[datetime, datetime]:
    start = _when(start_text, "start_date") if start_text.strip() else None
    end = _when(end_text, "end_date") if end_text.strip() else None
    try:
        if start is None and end is None:
            end = timezone.now()
            start = end - MAX_WINDOW
        elif start is None:
            start = end - MAX_WINDOW
        elif end is None:
            end = start + MAX_WINDOW
    except OverflowError:
        raise ValidationError(_("The dates are out of range: between the years 2000 and "
                                "2999.")) from None
    if not (start.date() >= EARLIEST and end.date() <= LATEST):
        raise ValidationError(_("The dates are out of range: between the years 2000 and "
                                "2999."))
    if end < start:
        raise ValidationError(_("end_date comes before start_date."))
    if end - start > MAX_WINDOW:
        raise ValidationError(_("start_date and end_date are at most 90 days apart."))
    return start, end


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@open311("GET", "POST")
def requests(request, fmt: str):
    if request.method == "POST":
        return _submit(request, fmt)
    token, refusal = _authenticated(request, fmt, request.GET.get("api_key", ""))
    if refusal:
        return refusal
    issues = selectors.open311_requests(user=token.user if token else None)
    ids = _listed(request.GET.get("service_request_id", ""))
    if ids:
        # The spec: with ids, every other parameter is ignored.
        if len(ids) > MAX_IDS:
            return errors(fmt, 400, _("Ask for at most %(count)d service_request_id at once.")
                          % {"count": MAX_IDS})
        return _render_requests(fmt, issues.filter(reference__in=ids)[:MAX_IDS],
                                full=token is not None)
    problems = []
    codes = _listed(request.GET.get("service_code", ""))
    if len(codes) > 20:
        problems.append(_("Ask for at most 20 service_code at once."))
    elif codes:
        known = set(selectors.open311_services().filter(code__in=codes[:20])
                    .values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            problems.append(_("Unknown service_code: %(codes)s.")
                            % {"codes": ", ".join(code[:40] for code in unknown[:5])})
        issues = issues.filter(category__code__in=codes)
    states = _listed(request.GET.get("status", "").lower())
    if any(state not in ("open", "closed") for state in states):
        problems.append(_("status is open, closed, or both separated by a comma."))
    elif set(states) == {"closed"}:
        issues = issues.filter(status__in=Issue.TERMINAL_STATUSES)
    elif set(states) == {"open"}:
        issues = issues.exclude(status__in=Issue.TERMINAL_STATUSES)
    try:
        start, end = _window(request.GET.get("start_date", ""), request.GET.get("end_date", ""))
    except ValidationError as error:
        problems.extend(error.messages)
    else:
        issues = issues.filter(submitted_at__gte=start, submitted_at__lte=end)
    if problems:
        return errors(fmt, 400, *problems)
    return _render_requests(fmt, issues[:MAX_REQUESTS], full=token is not None)


@open311("GET")
def request_detail(request, fmt: str, service_request_id: str):
    token, refusal = _authenticated(request, fmt, request.GET.get("api_key", ""))
    if refusal:
        return refusal
    issue = (selectors.open311_requests(user=token.user if token else None)
             .filter(reference=service_request_id[:20]).first())
    if issue is None:
        return errors(fmt, 404, _("There is no service request “%(id)s” that you may see.")
                      % {"id": service_request_id[:20]})
    return _render_requests(fmt, [issue], full=token is not None)


@open311("GET")
def token_detail(request, fmt: str, token_id: str):
    """We know every request's id at once and never hand out a token; an integration that
    polls tokens anyway may use the id as the token, and reads it back mapped to itself."""
    key, refusal = _authenticated(request, fmt, request.GET.get("api_key", ""))
    if refusal:
        return refusal
    found = (selectors.open311_requests(user=key.user if key else None)
             .filter(reference=token_id[:20]).exists())
    if not found:
        return errors(fmt, 404, _("There is no token “%(token)s”.") % {"token": token_id[:20]})
    return render(fmt, root="service_requests", item="request",
                  data=[{"service_request_id": token_id, "token": token_id}])


# --- Submitting a request -------------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, status: int, *descriptions):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions


def _submitter(request, fmt: str) -> ApiToken:
    raw = request.POST.get("api_key", "").strip()
    if not raw:
        raise Refusal(400, _("api_key is required to submit a request."))
    token, refusal = _authenticated(request, fmt, raw)
    if refusal:
        raise Refusal(403, _("This api_key is not valid: it is unknown, revoked or expired."))
    if token.kind != ApiToken.Kind.SYSTEM:
        raise Refusal(403, _("Requests are submitted with a system key, which an "
                             "administrator issues; a personal token cannot submit them."))
    if not token.writable:
        raise Refusal(403, _("This key may only read: ask an administrator for a key that "
                             "may change data."))
    if not workflow.may_submit_for_others(user=token.user):
        raise Refusal(403, _("This key's account is not a coordinator, so it cannot enter "
                             "issues for an enterprise."))
    return token


def _fields(request) -> dict[str, str]:
    """The form's fields, each once and clean, or a Refusal naming every problem."""
    problems = []
    unknown = sorted(name for name in request.POST
                     if name not in POST_FIELDS and name != "locale"
                     and not (name.startswith("attribute[") and name[10:-1] in ATTRIBUTES
                              and name.endswith("]")))
    if unknown:
        problems.append(_("Unknown fields: %(names)s.")
                        % {"names": ", ".join(name[:40] for name in unknown[:10])})
    fields = {}
    for name, values in request.POST.lists():
        if name in unknown:
            continue
        if len(values) > 1:
            problems.append(_("%(name)s is given more than once.") % {"name": name})
            continue
        value = values[0].strip()
        limit = FIELD_LIMITS.get(name)
        if limit and len(value) > limit:
            problems.append(_("%(name)s is longer than %(limit)d characters.")
                            % {"name": name, "limit": limit})
            continue
        try:
            validate_clean_text(value, multiline=name == "description")
        except ValidationError as error:
            problems.extend(f"{name}: {message}" for message in error.messages)
            continue
        fields[name] = value
    if problems:
        raise Refusal(400, *problems)
    return fields


def _enterprise(user, fields: dict):
    """The enterprise the request is for: by its credit code, else by the registered name in
    ``address_string`` (exactly one in the key's scope)."""
    county = None
    county_code = fields.get("attribute[county]", "")
    if county_code:
        county = selectors.open311_counties().filter(code=county_code).first()
        if county is None:
            raise Refusal(400, _("attribute[county] is not one of the service's values."))
    code = normalize_credit_code(fields.get("attribute[credit_code]", ""))
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            raise Refusal(400, *(f"attribute[credit_code]: {message}"
                                 for message in error.messages)) from None
        enterprise, unseen = selectors.enterprise_by_credit_code(user=user, code=code)
        if enterprise is None:
            if not unseen:
                raise Refusal(403, _("This enterprise is registered outside the region of "
                                     "this key: its own county enters its issues."))
            raise Refusal(400, _("No enterprise with this credit code is registered in the "
                                 "programme. A coordinator adds it first."))
        if county is not None and enterprise.region_id != county.pk:
            raise Refusal(400, _("attribute[county] is not the county where this enterprise "
                                 "is registered."))
        return enterprise
    name = fields.get("address_string", "")
    if not name:
        raise Refusal(400, _("Say which enterprise the request is for: "
                             "attribute[credit_code], or its registered name in "
                             "address_string."))
    found, unseen = selectors.enterprises_by_name(user=user, name=name, county=county)
    if not found:
        if not unseen:
            raise Refusal(403, _("This enterprise is registered outside the region of this "
                                 "key: its own county enters its issues."))
        raise Refusal(400, _("No enterprise is registered under the name in address_string; "
                             "give attribute[credit_code]."))
    if len(found) > 1:
        raise Refusal(400, _("More than one enterprise is registered under this name; give "
                             "attribute[credit_code]."))
    return found[0]


def _title(description: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return Truncator(first_line).chars(TITLE_LENGTH)


def _submit(request, fmt: str):
    try:
        token = _submitter(request, fmt)
        fields = _fields(request)
        category = (selectors.open311_services()
                    .filter(code=fields.get("service_code", "")[:40]).first())
        problems = []
        if not fields.get("service_code"):
            problems.append(_("service_code is required."))
        elif category is None:
            problems.append(_("There is no service “%(code)s”.")
                            % {"code": fields["service_code"][:40]})
        description = fields.get("description", "")
        if not description:
            problems.append(_("description is required: what the enterprise asks for."))
        elif len(description) > MAX_DESCRIPTION:
            problems.append(_("description is at most %(limit)d characters; this one has "
                              "%(count)d.") % {"limit": MAX_DESCRIPTION,
                                              "count": len(description)})
        if problems:
            raise Refusal(400, *problems)
        user = token.user
        enterprise = _enterprise(user, fields)
        person = selectors.person_of_enterprise(
            user=user, enterprise=enterprise, mobile=normalize_mobile(fields.get("phone", "")),
            email=fields.get("email", ""))
        if person is None:
            raise Refusal(400, _("The caller is not in the directory as a person of "
                                 "%(enterprise)s: give the phone (or email) registered for "
                                 "them. Someone not yet in the directory is added by a "
                                 "coordinator first.") % {"enterprise": enterprise.name})
        try:
            with transaction.atomic():
                issue = workflow.issue_submit(
                    actor=user, title=_title(description), description=description,
                    category=category, entrepreneur=person, source=Issue.Source.PHONE)
        except workflow.WorkflowError as error:
            raise Refusal(403 if error.status_code == 403 else 400, error.message) from None
        except ValidationError as error:
            raise Refusal(400, *error.messages) from None
    except Refusal as refusal:
        return errors(fmt, refusal.status, *refusal.descriptions)
    notice = _("Recorded as %(reference)s. The coordinators of %(region)s pass it to a lead "
               "department.") % {"reference": issue.reference,
                                 "region": issue.region.display_name}
    return render(fmt, root="service_requests", item="request", data=[{
        "service_request_id": issue.reference, "service_notice": notice, "account_id": None,
    }])


@csrf_exempt
def not_found(request, rest: str = ""):
    """Any other address under /open311/v2/: 404 in the spec's format (XML when the address
    ends in .xml)."""
    fmt = "xml" if rest.lower().endswith(".xml") else "json"
    return errors(fmt, 404, _("There is no such address in GeoReport v2."))
