"""Who is told about a deletion request, and in which words: the privacy app's outbox rows.

Only ``privacy.services`` calls these, inside the transaction of the change. The messages
to officials name the enterprise and the request, never the person: officials' messages
outlive the person's erasure. Texts are in the language of the request that caused them.
"""

from django.urls import reverse
from django.utils.translation import gettext

from entrepreneurs.models import Entrepreneur
from government.selectors import coordinators_covering
from notifications.services import notify_person, notify_users
from privacy.models import DeletionRequest


def deletion_requested(*, request: DeletionRequest, person: Entrepreneur) -> int:
    """The coordinators of the person's region and of the city, in the app."""
    return notify_users(
        users=[official.user
               for official in coordinators_covering(region=person.enterprise.region)],
        key=f"privacy:deletion-requested:{request.pk}",
        subject=gettext("Request to erase personal data"),
        body=gettext(
            "A person of %(enterprise)s asked for their personal data to be erased "
            "(request #%(number)d). Approve or refuse it on the deletion requests page."
        ) % {"enterprise": person.enterprise.name, "number": request.pk},
        path=reverse("privacy:requests"),
    )


def deletion_refused(*, request: DeletionRequest, user, note: str) -> int:
    """The person, in the app (an active account only), with the coordinator's note."""
    return notify_person(
        key=f"privacy:deletion-refused:{request.pk}", user=user,
        subject=gettext("Your request to erase your data was refused"), body=note,
        path=reverse("privacy:my_data"),
    )
