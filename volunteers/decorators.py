"""View guards built on the one permission rule."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import Forbidden
from core.refusals import refusal_response
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
                refused = Forbidden("forbidden", message)
                return refusal_response(
                    request,
                    refused,
                    heading=_("没有权限查看这个页面"),
                    show_status=True,
                    links="home",
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
