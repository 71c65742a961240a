"""The world the read endpoints' tests share: ``issue_screens_world`` (Wuxing and Anji,
the Economy Bureau of the city leading the category, one person per part) with three
issues, each seen by some and not by others:

* ``mine``: the entrepreneur's, moved along by the workflow itself (dispatched to the
  Economy Bureau, accepted, a public and an internal note, answered), with a file;
* ``neighbour``: another enterprise of Wuxing's, only submitted;
* ``far``: an enterprise of Anji's, dispatched to the Planning Bureau.
"""

from dataclasses import dataclass

from rest_framework.test import APIClient

from issues import workflow
from issues.models import Issue
from tests.factories import AttachmentFactory, EnterpriseFactory, EntrepreneurFactory, IssueFactory
from tests.worlds import IssueScreensWorld, issue_screens_world

API = "/api/v1"


@dataclass
class ReadsWorld:
    base: IssueScreensWorld
    mine: Issue
    neighbour: Issue
    far: Issue

    @property
    def users(self) -> dict:
        return self.base.users


def mine_handled(base: IssueScreensWorld) -> Issue:
    """Submitted, dispatched, accepted, noted (publicly and internally), answered."""
    users = base.users
    issue = workflow.issue_submit(actor=base.person.user, title="扩建用地指标",
                                  description="厂房扩建需要新增用地指标。", category=base.category)
    issue = workflow.issue_dispatch(actor=users["coordinator"], issue=issue,
                                    version=issue.version,
                                    lead_department=base.departments["economy"])
    issue = workflow.issue_accept(actor=users["handler"], issue=issue, version=issue.version)
    workflow.issue_add_note(actor=users["handler"], issue=issue, version=issue.version,
                            message="已与自然资源局对接。", is_public=True)
    issue.refresh_from_db()
    workflow.issue_add_note(actor=users["handler"], issue=issue, version=issue.version,
                            message="内部：指标紧张。", is_public=False)
    issue.refresh_from_db()
    issue = workflow.issue_resolve(actor=users["handler"], issue=issue, version=issue.version,
                                   reply="已协调新增用地指标十亩。")
    AttachmentFactory(issue=issue, uploaded_by=base.person.user, original_name="厂区平面图.pdf",
                      size=2048)
    issue.refresh_from_db()
    return issue


def reads_world() -> ReadsWorld:
    base = issue_screens_world()
    mine = mine_handled(base)
    neighbour = IssueFactory(enterprise=base.stranger.enterprise, entrepreneur=base.stranger,
                             category=base.category, title="邻居的问题")
    anji = EnterpriseFactory(region=base.other_county)
    far = IssueFactory(enterprise=anji, entrepreneur=EntrepreneurFactory(enterprise=anji),
                       category=base.category, title="安吉的问题",
                       status=Issue.Status.DISPATCHED,
                       lead_department=base.departments["planning"])
    return ReadsWorld(base=base, mine=mine, neighbour=neighbour, far=far)


def api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]
