"""Writes for issues that are not state transitions (those live in the workflow module)."""

import re

from django.db import transaction
from django.db.models import F

from issues.models import Issue, IssueSequence

REFERENCE_PREFIX = "HZ"
#: The shape of a reference, for URLs and for recognising one typed into a search box.
REFERENCE_REGEX = r"HZ-[0-9]{4}-[0-9]{6,}"


def is_reference(text: str) -> bool:
    """Whether ``text`` is a whole reference such as HZ-2026-000123 (any case)."""
    return re.fullmatch(REFERENCE_REGEX, text.strip().upper()) is not None


def format_reference(*, year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


@transaction.atomic
def issue_references_allocate(*, year: int, count: int = 1) -> list[str]:
    """Hand out ``count`` consecutive references for ``year``, safely under concurrency."""
    if count < 1:
        raise ValueError("count must be at least 1")
    IssueSequence.objects.get_or_create(year=year)
    IssueSequence.objects.filter(year=year).update(last_number=F("last_number") + count)
    last = IssueSequence.objects.select_for_update().get(year=year).last_number
    return [format_reference(year=year, number=n) for n in range(last - count + 1, last + 1)]


def on_enterprise_merged(sender, *, source_id: int, target_id: int, **kwargs) -> None:
    """``entrepreneurs.signals.enterprise_merged``: the issues of an enterprise added at the
    door follow it into the registered one, in one UPDATE, inside the merge's transaction.
    The enterprise is not a figure's dimension (``dashboard.definitions.FIELDS``; the
    issue's region was copied when it was raised), so no rollup moves."""
    Issue.objects.filter(enterprise_id=source_id).update(enterprise_id=target_id)
