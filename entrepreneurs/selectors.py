"""Read-only queries about entrepreneurs and their enterprises."""

from entrepreneurs.models import Entrepreneur


def entrepreneur_for_user(*, user) -> Entrepreneur | None:
    """The signed-in user's Entrepreneur record with enterprise and region, or None."""
    if not user.is_authenticated:
        return None
    return (
        Entrepreneur.objects.select_related("enterprise__region")
        .filter(user=user)
        .first()
    )
