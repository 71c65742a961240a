"""Cursor pagination for every list: stable under inserts, and as fast on the last page of
a million rows as on the first (no OFFSET)."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
