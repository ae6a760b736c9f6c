"""Why a scan is refused: each reason's label, message, hint and kind, in one table.

A reason is a ``ScanAttempt.Reason``: the log keeps it, the organiser's list shows its
label. Its kind is the HTTP status of every page and JSON answer that refuses a scan:
400 the code itself is bad (forged, altered, for another purpose, unknown), 403 this
person may not (audience, sign-up, geofence, no person on the account), 409 the
activity's state or time does not allow it now (cancelled, unpublished, outside the
window, not checked in, withdrawn), 410 the code has expired, 429 too many scans.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core.errors import Conflict, DomainError, Forbidden, Gone, Invalid, TooMany
from core.tokens import Purpose
from volunteers.models import Activity, Person, ScanAttempt

Reason = ScanAttempt.Reason


@dataclass(frozen=True)
class Refusal:
    kind: type[DomainError]
    label: str | Promise  # the refusal page's heading
    hint: str | Promise  # what the person can do about it, under the message
    message: str | Promise = ""  # when the refusal brings no message of its own


REFUSALS: dict[str, Refusal] = {
    Reason.FORGED: Refusal(
        Invalid,
        Reason.FORGED.label,
        message=gettext_lazy("二维码无效，可能已被修改。请扫描现场屏幕上的二维码。"),
        hint=gettext_lazy(
            "请直接用手机相机或微信扫描现场屏幕上的二维码，不要使用别人转发的链接或截图。"
        ),
    ),
    Reason.WRONG_PURPOSE: Refusal(
        Invalid,
        Reason.WRONG_PURPOSE.label,
        message=gettext_lazy("这个二维码不是本操作所用的二维码。"),
        hint=gettext_lazy("请确认扫描的是本活动现场屏幕上的签到或签退二维码。"),
    ),
    Reason.UNKNOWN_CODE: Refusal(
        Invalid,
        Reason.UNKNOWN_CODE.label,
        message=gettext_lazy("签到码无效或已过期，请让对方刷新“我的签到码”。"),
        hint=gettext_lazy("请让对方刷新“我的签到码”后重新扫描或输入。"),
    ),
    Reason.NOT_IN_AUDIENCE: Refusal(
        Forbidden,
        Reason.NOT_IN_AUDIENCE.label,
        hint=gettext_lazy("如果您认为有误，请联系活动组织者。"),
    ),
    Reason.NOT_SIGNED_UP: Refusal(
        Forbidden,
        Reason.NOT_SIGNED_UP.label,
        message=gettext_lazy("本活动须先报名，您还没有报名成功。"),
        hint=gettext_lazy("请先在活动页面报名，报名成功后再扫码签到。"),
    ),
    Reason.OUTSIDE_GEOFENCE: Refusal(
        Forbidden,
        Reason.OUTSIDE_GEOFENCE.label,
        hint=gettext_lazy(
            "请到活动现场，打开手机定位并允许浏览器获取位置后，重新扫描屏幕上的二维码。"
            "如您已在现场，可能是定位不准：请到室外开阔处再试，"
            "或打开“我的签到码”，请现场组织者为您扫码签到。"
        ),
    ),
    Reason.NO_PERSON: Refusal(
        Forbidden,
        Reason.NO_PERSON.label,
        message=gettext_lazy("您的账号还没有登记人员信息，请先完善个人资料。"),
        hint=gettext_lazy("请联系所在社区，为您的账号关联志愿者信息后再签到。"),
    ),
    Reason.CANCELLED: Refusal(
        Conflict,
        Reason.CANCELLED.label,
        message=gettext_lazy("活动已取消。"),
        hint=gettext_lazy("活动已取消，无需签到。如有疑问，请联系活动组织者。"),
    ),
    Reason.NOT_PUBLISHED: Refusal(
        Conflict,
        Reason.NOT_PUBLISHED.label,
        message=gettext_lazy("活动尚未发布。"),
        hint=gettext_lazy("请联系活动组织者确认活动安排。"),
    ),
    Reason.OUTSIDE_WINDOW: Refusal(
        Conflict,
        Reason.OUTSIDE_WINDOW.label,
        hint=gettext_lazy("请在签到时间内重新扫码；如确已到场，可请现场组织者为您补录。"),
    ),
    Reason.NOT_CHECKED_IN: Refusal(
        Conflict,
        Reason.NOT_CHECKED_IN.label,
        message=gettext_lazy("您还没有签到，不能签退。"),
        hint=gettext_lazy("请先扫描签到码签到；如忘记签到，请联系现场组织者补录。"),
    ),
    Reason.REMOVED: Refusal(
        Conflict,
        Reason.REMOVED.label,
        message=gettext_lazy("您在本活动的签到已被组织者撤销，如有疑问请联系组织者。"),
        hint=gettext_lazy("如有疑问，请联系活动组织者。"),
    ),
    Reason.EXPIRED: Refusal(
        Gone,
        Reason.EXPIRED.label,
        message=gettext_lazy("二维码已过期，请扫描现场屏幕上最新的二维码。"),
        hint=gettext_lazy("现场的二维码每 30 秒更新一次。请重新扫描屏幕上正在显示的二维码。"),
    ),
    Reason.RATE_LIMITED: Refusal(
        TooMany,
        Reason.RATE_LIMITED.label,
        message=gettext_lazy("操作太频繁，请稍等一分钟再试。"),
        hint=gettext_lazy(
            "请稍后再试。如您已在活动现场，可打开“我的签到码”，请现场组织者为您扫码签到。"
        ),
    ),
}


class CheckInRefused(DomainError):
    """A refused scan; ``code`` is a ScanAttempt reason, ``purpose`` what was tried.

    The reason's row in ``REFUSALS`` gives the kind (so the status), the title and the
    hint, and the message when none is given.
    """

    def __init__(
        self,
        reason: str,
        message: str | Promise = "",
        *,
        activity: Activity | None = None,
    ):
        refusal = REFUSALS[reason]
        super().__init__(reason, str(message or refusal.message))
        self.kind = refusal.kind.kind
        self.status = refusal.kind.status
        self.title = refusal.label
        self.hint = refusal.hint
        self.activity = activity
        self.purpose: str = Purpose.CHECK_IN
        # Whose code it was, when the service found out before refusing; never looked
        # up again for the answer, so a refused guess cannot ask whose a code is.
        self.person: Person | None = None
