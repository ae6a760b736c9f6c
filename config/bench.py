"""The benchmark's reference view, routed only when ``settings.BENCH_ENABLED`` is on.

``bench/run.py`` measures each real request (a check-in, the home page) against this
one in the same run, on the same gunicorn: it goes through the whole middleware stack
like any other request, and then does nothing.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def bare(request):
    return JsonResponse({"ok": True})
