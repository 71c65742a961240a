from django.shortcuts import render

from core.privacy import PRIVACY_NOTICE_VERSION


def notice(request):
    """The privacy notice people agree to when they sign up; public."""
    return render(request, "privacy/notice.html", {"version": PRIVACY_NOTICE_VERSION})
