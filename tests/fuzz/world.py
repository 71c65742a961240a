"""The world of the bad-input walk: the access matrix's world (``tests.test_access_matrix``)
with the demo's other roles added (the department's lead, the county's coordinator, a
leader) and an issue in each state that offers a form, and the pages each role is sent to.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from government.models import Official, Region
from issues.models import ExtensionRequest, Issue
from issues.rating_links import rating_link_path
from tests.factories import DepartmentFactory, IssueEventFactory, IssueFactory, OfficialFactory
from tests.test_access_matrix import MATRIX

S = Issue.Status
R = Official.Role

#: The demo's roles, in the order the kinds of bad values are shared out among them.
ROLES = ("anonymous", "entrepreneur", "handler", "department_lead", "coordinator",
         "county_coordinator", "leader", "administrator")


def add_roles(world) -> dict:
    """role -> user (None for anonymous), from the matrix's world plus three new people."""
    users = world.users
    issue = world.objects["issue"]
    wuxing = Region.objects.get(code="wuxing")
    city = Region.objects.get(pk=issue.lead_department.region_id)
    return {
        "anonymous": None,
        "entrepreneur": users["entrepreneur_a"],
        "handler": users["handler_x"],
        "department_lead": OfficialFactory(department=issue.lead_department,
                                           role=R.DEPARTMENT_LEAD).user,
        "coordinator": users["coordinator_city"],
        "county_coordinator": OfficialFactory(
            department=DepartmentFactory(region=wuxing, code="wx-tzb", name="吴兴统战部"),
            role=R.COORDINATOR).user,
        "leader": OfficialFactory(department=DepartmentFactory(region=city, code="sw",
                                                               name="市委办"),
                                  role=R.LEADER).user,
        "administrator": users["admin"],
    }


def add_issues(world) -> dict:
    """Entrepreneur A's issues in the other states with a form (accepted, with a pending
    extension request; resolved, to rate; under review, to close): name -> issue."""
    first = world.objects["issue"]
    now, today = timezone.now(), timezone.localdate()
    common = {"enterprise": first.enterprise, "entrepreneur": first.entrepreneur,
              "lead_department": first.lead_department, "category": first.category,
              "round_started_on": today, "dispatched_at": now - timedelta(days=2),
              "accept_due_on": today, "due_on": today + timedelta(days=10)}
    issues = {
        "accepted": IssueFactory(status=S.ACCEPTED, accepted_at=now - timedelta(days=1),
                                 **common),
        "resolved": IssueFactory(status=S.RESOLVED, accepted_at=now - timedelta(days=1),
                                 resolved_at=now, **common),
        "review": IssueFactory(status=S.REVIEW, accepted_at=now - timedelta(days=1),
                               resolved_at=now, **common),
    }
    ExtensionRequest.objects.create(issue=issues["accepted"], round=1, days=3, reason="需要会商",
                                    requested_by=world.users["handler_x"])
    for issue in (first, *issues.values()):
        IssueEventFactory(issue=issue, message="正在协调")
    return issues


def pages(world, issues: dict) -> list[tuple[str, str]]:
    """Every page of the access matrix one reads with a GET, and the same pages for the
    other issues, the other export formats and a coordinator's issue entry."""
    result = []
    for name, case in sorted(MATRIX.items()):
        if case.method != "get":
            continue
        kwargs = case.kwargs(world) if case.kwargs else None
        data = case.data(world) if callable(case.data) else case.data
        # The query the matrix asks with (e.g. /health/?parts=database: a bare /health/
        # rightly answers 503 here, where no worker has sent a heartbeat).
        query = f"?{urlencode(data, doseq=True)}" if data else ""
        result.append((name, reverse(name, kwargs=kwargs) + query))
    for issue in issues.values():
        result.append(("issues:detail", reverse("issues:detail", args=[issue.reference])))
    result.append(("issues:rate", reverse("issues:rate", args=[issues["resolved"].reference])))
    result.append(("rating_link:page", rating_link_path(issues["resolved"])))
    result += [("dashboard:export_issues", reverse("dashboard:export_issues", args=["csv"])),
               ("dashboard:export_ranking", reverse("dashboard:export_ranking", args=["xlsx"])),
               ("issues:new",
                f"{reverse('issues:new')}?entrepreneur={world.objects['person_b'].pk}")]
    return result
