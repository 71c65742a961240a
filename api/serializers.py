"""What every API serializer shares: bodies with fields the endpoint does not know are
refused (400, each unknown field named), never silently ignored."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictFieldsMixin:
    """Refuse unknown fields. Put it first: ``class X(StrictFieldsMixin, Serializer)``."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not known here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """A plain serializer that refuses unknown fields."""
