"""登录设备 (/me/security/): the person's sign-ins from the API, and ending them.

A web page over ``api.services.tokens``: the mini-program on a lost phone, a script
left signed in, ended from the browser. A session of someone else's is a 404
(``revoke_for_person``'s refusal, answered as the refusal page).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from api.services.tokens import Revoked, live_tokens, revoke_all, revoke_for_person


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """登录设备: where I am signed in through the API, newest use first."""
    return render(request, "api/security.html", {"sessions": live_tokens(request.user)})


@never_cache
@login_required
@require_POST
def security_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """退出该设备: one of my own sign-ins ends at once."""
    token = revoke_for_person(user=request.user, token_id=pk)
    messages.success(
        request,
        _("已退出“%(device)s”，这台设备需要重新登录。")
        % {"device": token.name or token.get_method_display()},
    )
    return redirect("api_web:security")


@never_cache
@login_required
@require_POST
def security_revoke_all(request: HttpRequest) -> HttpResponse:
    """全部退出: every sign-in of mine through the API ends; this browser stays signed in."""
    ended = revoke_all(user=request.user, reason=Revoked.ALL)
    if ended:
        messages.success(
            request,
            ngettext("已退出 %(count)d 台设备。", "已退出全部 %(count)d 台设备。", ended)
            % {"count": ended},
        )
    return redirect("api_web:security")
