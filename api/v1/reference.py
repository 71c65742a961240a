"""GET /api/v1/categories/, /departments/, /regions/: the reference data every caller
may read, each name in Chinese (``name``) and English (``name_en``). Paginated with the
same cursor as every list (a page holds 50 by default, up to 200 with ``page_size``)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from api.pagination import Cursor
from api.serializers import StrictSerializer
from api.v1.filters import LIST_ERRORS, read_query
from api.v1.serializers import CategorySerializer, DepartmentSerializer, RegionSerializer
from government.models import Department, Region
from issues.models import Category


class SortOrderCursor(Cursor):
    """In the order the site lists them (then by id)."""

    ordering = ("sort_order", "id")


class IdCursor(Cursor):
    ordering = ("id",)


class _ReferenceList(generics.ListAPIView):
    def list(self, request, *args, **kwargs):
        read_query(StrictSerializer, request)  # no filters: anything but paging is refused
        return super().list(request, *args, **kwargs)


@extend_schema_view(get=extend_schema(operation_id="categories_list", responses={
    200: CategorySerializer(many=True), **LIST_ERRORS}))
class CategoryCollection(_ReferenceList):
    """The issue categories (the "six environments"), with their time limits."""

    serializer_class = CategorySerializer
    pagination_class = SortOrderCursor
    queryset = Category.objects.all()


@extend_schema_view(get=extend_schema(operation_id="departments_list", responses={
    200: DepartmentSerializer(many=True), **LIST_ERRORS}))
class DepartmentCollection(_ReferenceList):
    """The departments, the city's and the counties'."""

    serializer_class = DepartmentSerializer
    pagination_class = IdCursor
    queryset = Department.objects.all()


@extend_schema_view(get=extend_schema(operation_id="regions_list", responses={
    200: RegionSerializer(many=True), **LIST_ERRORS}))
class RegionCollection(_ReferenceList):
    """The city and its counties."""

    serializer_class = RegionSerializer
    pagination_class = SortOrderCursor
    queryset = Region.objects.all()
