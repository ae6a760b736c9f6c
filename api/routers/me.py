"""The API's 我的 operation: who the token belongs to, and what they may do."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.auth import person
from api.errors import refusals
from volunteers import permissions, selectors
from volunteers.permissions import Action

router = Router(tags=["我的"])


class MeOut(Schema):
    person_id: int | None = Field(description="志愿者档案编号；运维账号没有档案时为空")
    real_name: str = Field(description="姓名")
    phone: str = Field(description="手机号（本人可见完整号码）")
    volunteer_number: str = Field(description="志愿者编号")
    is_party_member: bool = Field(description="是否党员")
    is_organiser: bool = Field(description="是否可以组织签到（在某个组织有签到权限）")
    is_staff: bool = Field(description="是否有后台工作权限")


@router.get("", auth=person, response={200: MeOut, **refusals()}, summary="我的账号")
def get_me(request: HttpRequest) -> MeOut:
    """当前令牌所属的人：姓名、手机号、是否党员，以及能否组织签到。"""
    user = request.user
    found = selectors.person_for_user(user)
    return MeOut(
        person_id=found.pk if found else None,
        real_name=found.real_name if found else user.get_username(),
        phone=found.phone if found else "",
        volunteer_number=(found.volunteer_number or "") if found else "",
        is_party_member=bool(found and found.is_party_member),
        is_organiser=permissions.can_anywhere(user, Action.CHECK_IN),
        is_staff=permissions.is_staff_anywhere(user),
    )
