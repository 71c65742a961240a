"""The pages of the API: a person's personal access tokens (list, create, revoke), and the
reference page's Swagger UI, under the site's content security policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api import services
from api.forms import TokenForm
from api.models import ApiToken


def _own_tokens(user):
    return ApiToken.objects.filter(user=user, kind=ApiToken.Kind.PERSONAL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The list and the form. A new token is shown on the answer to the POST itself, once
    (201 Created): it is never stored, not even in the session."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, text = services.token_create(
            user=request.user, name=form.cleaned_data["name"],
            writable=form.cleaned_data["writable"], created_by=request.user,
        )
        return render(request, "api/token_created.html", {"token": token, "text": text},
                      status=201)
    return render(request, "api/tokens.html", {"form": form,
                                               "tokens": _own_tokens(request.user)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    """Ask, then revoke at once. Another person's token is not found (404)."""
    token = get_object_or_404(_own_tokens(request.user), pk=pk)
    if request.method == "POST":
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token “%(name)s” has been revoked. It no longer "
                                    "works.") % {"name": token.name})
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token})


class ReferenceView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's files under /static/, its set-up script
    served by this view as a file (``?script``) and its styles in a stylesheet: no inline
    script or style, so the site's CSP (script-src and style-src 'self') holds."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


@extend_schema(exclude=True)
class UnknownAddress(APIView):
    """Any address under /api/v1/ that names no endpoint (an unknown path, an id that is not
    a number): a 404 problem like every other API error, not the site's HTML page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound
