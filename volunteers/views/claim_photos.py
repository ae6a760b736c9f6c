"""A claim's photo, for those who may see it: the claimant, the resident, the grid's staff.

Photos are taken in residents' homes, so they live in private storage (never under
/media/, which the web server hands to anyone) and are answered here after the check.
"""

import contextlib
import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from volunteers.models import Claim
from volunteers.services.needs import may_confirm
from volunteers.services.posts import may_confirm_post_claim


@require_GET
@login_required
def claim_photo(request, pk: int):
    claim = (
        Claim.objects.select_related(
            "person", "need__grid", "need__resident", "post__project__community"
        )
        .filter(pk=pk)
        .exclude(photo="")
        .first()
    )
    allowed = claim is not None and (
        claim.person.user_id == request.user.pk
        or (claim.need is not None and may_confirm(request.user, claim.need))
        or (claim.post is not None and may_confirm_post_claim(request.user, claim.post))
    )
    handle = None
    if allowed:
        with contextlib.suppress(FileNotFoundError):
            handle = claim.photo.open("rb")
    if handle is None:
        raise Http404(_("没有找到这张照片。"))
    content_type = mimetypes.guess_type(claim.photo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
