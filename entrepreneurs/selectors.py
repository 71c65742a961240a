"""Read-only queries about entrepreneurs and their enterprises."""

from entrepreneurs.models import Entrepreneur


def entrepreneur_for_user(*, user) -> Entrepreneur | None:
    """The signed-in user's Entrepreneur record with enterprise and region, or None.

    Read once per user object: the home page, the navigation and the issue scope all ask.
    """
    if not user.is_authenticated:
        return None
    if "_entrepreneur_record" not in user.__dict__:
        user.__dict__["_entrepreneur_record"] = (
            Entrepreneur.objects.select_related("enterprise__region").filter(user=user).first()
        )
    return user.__dict__["_entrepreneur_record"]
