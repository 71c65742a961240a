"""/api/v1/tokens/ (mounted by api.v1.urls): the caller's personal access tokens."""

from rest_framework.routers import SimpleRouter

from api.v1.tokens import TokenViewSet

router = SimpleRouter()
router.register("", TokenViewSet, basename="token")

urlpatterns = router.urls
