"""The page a points view answers with when it turns someone away: what, why, and a way back."""

from django.http import HttpResponse
from django.shortcuts import render


def refusal_response(request, title: str, message: str, *, status: int) -> HttpResponse:
    return render(
        request, "points/refusal.html", {"title": title, "message": message}, status=status
    )
