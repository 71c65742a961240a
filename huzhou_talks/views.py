from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from huzhou_talks.roles import user_role


def home(request):
    role = user_role(request.user)
    return render(request, "home.html", {"role": role})


def health(request):
    """For load balancers: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
