"""The people a policy is asked about, by name: one of each role the town has, and none.

Each is made fresh, with a user read back from the database, so no answer cached on a
user object carries from one question into the next. ``tests/conftest.py``'s ``actor``
fixture makes them; the policy matrices (tests/volunteers/test_permission_policies.py,
tests/points/test_policies.py) name them.
"""

from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser

from volunteers.services.memberships import membership_end

ACTORS = (
    "town_admin",  # 管理员 of the town (the root)
    "community_secretary",  # 书记 of 梨园社区
    "branch_secretary",  # 书记 of 梨园's party branch, a party member of it
    "team_leader",  # 队长 of 文明交通劝导队 (under the detachment, not 梨园)
    "grid_member",  # a member's role on 梨园第1网格
    "volunteer",  # lives in 梨园第1网格, holds no role
    "anonymous",  # not logged in
    "ended_secretary",  # was 书记 of 梨园社区; the role ended today
)

ROLES = {
    "town_admin": ("admin", "town", {}),
    "community_secretary": ("secretary", "liyuan", {}),
    "branch_secretary": (
        "secretary",
        "liyuan_branch",
        {"political_status": "party_member", "party_branch": "liyuan_branch"},
    ),
    "team_leader": ("leader", "team", {}),
    "grid_member": ("member", "liyuan_grid1", {}),
    "ended_secretary": ("secretary", "liyuan", {}),
}


def make_actor(name: str, *, town, make_person, person_with_role) -> SimpleNamespace:
    """``name`` from ``ACTORS`` as ``user`` and ``person`` (``None`` when anonymous)."""
    if name == "anonymous":
        return SimpleNamespace(user=AnonymousUser(), person=None)
    if name == "volunteer":
        person = make_person(real_name="普通志愿者", home_grid=town.liyuan_grid1)
    else:
        role, node, extra = ROLES[name]
        links = {
            key: getattr(town, value) if key == "party_branch" else value
            for key, value in extra.items()
        }
        person = person_with_role(role, getattr(town, node), real_name=name, **links)
        if name == "ended_secretary":
            membership_end(membership=person.memberships.get())
    user = type(person.user).objects.get(pk=person.user_id)
    return SimpleNamespace(user=user, person=person)
