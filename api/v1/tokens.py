"""/api/v1/tokens/: the caller's own personal access tokens, as on the tokens page.

GET lists them (newest first, revoked ones too), POST makes one (its text is in the answer,
once), DELETE revokes one at once. Another person's token, or a system key, is not found
(404). A system key cannot manage tokens (403): an administrator issues keys.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api import services
from api.models import ApiToken
from api.permissions import PersonalTokensOnly
from api.serializers import StrictSerializer
from core.validators import CleanTextValidator


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ("id", "name", "prefix", "writable", "created_at", "last_used_at",
                  "expires_at", "revoked_at")
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("The token itself: shown this once, never again."))

    class Meta(TokenSerializer.Meta):
        fields = (*TokenSerializer.Meta.fields, "token")
        read_only_fields = fields


class TokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, validators=[CleanTextValidator()],
                                 help_text=_("What the token is for."))
    writable = serializers.BooleanField(
        default=False, help_text=_("Whether it may change data; without it, it only reads."))


@extend_schema_view(
    list=extend_schema(summary="Your personal access tokens"),
    create=extend_schema(summary="Create a personal access token",
                         request=TokenCreateSerializer,
                         responses={201: TokenCreatedSerializer}),
    destroy=extend_schema(summary="Revoke one of your personal access tokens",
                          responses={204: None}),
)
class TokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin,
                   viewsets.GenericViewSet):
    serializer_class = TokenSerializer

    def get_permissions(self):
        return [*super().get_permissions(), PersonalTokensOnly()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, made without a caller
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user, kind=ApiToken.Kind.PERSONAL)

    def create(self, request, *args, **kwargs):
        form = TokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, text = services.token_create(
            user=request.user, name=form.validated_data["name"],
            writable=form.validated_data["writable"], created_by=request.user,
        )
        token.token = text
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
