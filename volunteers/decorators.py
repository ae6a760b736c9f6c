"""View guards built on the one permission rule."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from volunteers import permissions


def allowed_somewhere(action: str, *, message: str):
    """Signed in and holding ``action`` on some node; otherwise the Chinese 403 page saying why.

    Object-level checks (this activity, this import) stay in the view, with permissions.can.
    """

    def decorator(view):
        @login_required
        @never_cache
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not permissions.can_anywhere(request.user, action):
                return render(request, "403.html", {"message": message}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
