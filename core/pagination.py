"""A paginator for lists that can hold a million rows.

Django's ``Paginator`` counts every matching row to number the pages, and that count grows
with the table (a million issues: an index scan of a million entries on every page view).
``CappedPaginator`` counts no further than ``cap`` + 1 rows, so a page costs the same
whatever the table holds; past the cap the list says "more than 10,000" and offers the
first pages, and the filters narrow it from there. A page after the first is read in two
steps (its keys, then its rows), so that a deep page walks an index, not joined rows.
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet

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
        rows = self.object_list
        if isinstance(rows, QuerySet):
            rows = rows.order_by()  # counting needs no order: no sort of the matches
        return rows[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        """More rows than were counted: the total and the last page are unknown."""
        return self.count > self.cap

    def page(self, number):
        """The page's rows, found in two steps when they come from a query: first the
        page's primary keys, in order, from the table alone (an index walk, however deep
        the page), then those rows with their joins. A deep OFFSET then skips index
        entries instead of joined rows."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if not isinstance(self.object_list, QuerySet) or bottom == 0:
            return self._get_page(self.object_list[bottom:top], number, self)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
