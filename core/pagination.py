"""A paginator for lists that can hold a million rows.

Django's ``Paginator`` counts every matching row to number the pages, and that count grows
with the table (a million issues: an index scan of a million entries on every page view).
``CappedPaginator`` counts no further than ``cap`` + 1 rows, so a page costs the same
whatever the table holds; past the cap the list says "more than 10,000" and offers the
first pages, and the filters narrow it from there.
"""

from functools import cached_property

from django.core.paginator import Paginator

#: Rows counted at most before a list says "more than …".
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The rows, or ``cap`` + 1 when there are more than ``cap`` (one query:
        ``SELECT COUNT(*) FROM (… LIMIT cap + 1)``)."""
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        """More rows than were counted: the total and the last page are unknown."""
        return self.count > self.cap
