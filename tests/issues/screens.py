"""What the issue screens' tests share: moving an issue along with the workflow itself,
and the URLs, requests and messages of the issue pages."""

from django.urls import reverse

from issues import workflow
from issues.models import Issue
from tests.helpers import fresh
from tests.worlds import IssueScreensWorld as World

S = Issue.Status
E = Issue.Escalation
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NEW_URL = reverse("issues:new")
LIST_URL = reverse("issues:list")
SUPERVISION_URL = reverse("issues:supervision")


# --- Moving an issue along with the workflow itself --------------------------------------


def submitted(world: World, title="扩建用地指标") -> Issue:
    return workflow.issue_submit(actor=world.person.user, title=title,
                                 description="厂房扩建需要新增用地指标。", category=world.category)


def dispatched(world: World, **kwargs) -> Issue:
    issue = submitted(world, **kwargs)
    return workflow.issue_dispatch(actor=world.users["coordinator"], issue=issue,
                                   version=issue.version,
                                   lead_department=world.departments["economy"])


def accepted(world: World, **kwargs) -> Issue:
    issue = dispatched(world, **kwargs)
    return workflow.issue_accept(actor=world.users["handler"], issue=issue,
                                 version=issue.version)


def resolved(world: World, **kwargs) -> Issue:
    issue = accepted(world, **kwargs)
    return workflow.issue_resolve(actor=world.users["handler"], issue=issue,
                                  version=issue.version, reply="已协调新增用地指标十亩。")


def page_of(client, user, url, **extra):
    client.force_login(user)
    return client.get(url, **extra)


def detail_url(issue: Issue) -> str:
    return reverse("issues:detail", args=[issue.reference])


def action_url(issue: Issue, action: str) -> str:
    return reverse(f"issues:{action}", args=[issue.reference])


def post_action(client, user, issue: Issue, action: str, data: dict, version=None):
    client.force_login(user)
    version = fresh(issue).version if version is None else version
    return client.post(action_url(issue, action), {"version": version, **data})
