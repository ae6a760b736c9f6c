"""Which rule and which policy apply to a person and an activity category, and
changing them: every change is audited with its figures, old and new.

Town administrators edit the rules and policies in the Wagtail admin, which calls
``rule_create`` / ``rule_update`` / ``rule_delete`` / ``policy_update``; a change
counts for future awards only, because each ledger line keeps the figures it used.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail.actions.create import CreateAction
from wagtail.actions.delete import DeleteAction
from wagtail.actions.edit import EditAction

from core.errors import Conflict, Forbidden
from core.writes import apply_changes, recorded_changes, recorded_values, refuse_invalid
from points.models import Audience, PointsPolicy, PointsRule
from points.models.rules import CLAIM_RULE_NAME, DEFAULT_RULE_NAME
from volunteers import permissions
from volunteers.models import Person, User
from volunteers.services.audit import audit_record

RULE_FIELDS = (
    "name",
    "for_claims",
    "category",
    "audience",
    "points_per_attendance",
    "points_per_hour",
    "rounding_unit",
    "rounding_mode",
    "rubric_category",
    "daily_cap",
    "yearly_cap",
    "active",
)


def audience_of(person: Person) -> str:
    return Audience.PARTY_MEMBERS if person.is_party_member else Audience.VOLUNTEERS


def default_rule() -> PointsRule:
    """The rule for no category and anyone: migration 0003 makes it; recreated if missing."""
    rule, _created = PointsRule.objects.get_or_create(
        category=None,
        audience=Audience.ANYONE,
        for_claims=False,
        defaults={"name": DEFAULT_RULE_NAME, "points_per_hour": 1},
    )
    return rule


def default_claim_rule() -> PointsRule:
    """The 双项认领 rule for anyone: migration 0012 makes it; if it is missing, it is
    recreated with the migration's figures (2分 a claim + 1分/小时, caps 6 a day, 40 a year)."""
    rule, _created = PointsRule.objects.get_or_create(
        category=None,
        audience=Audience.ANYONE,
        for_claims=True,
        defaults={
            "name": CLAIM_RULE_NAME,
            "points_per_attendance": 2,
            "points_per_hour": 1,
            "daily_cap": 6,
            "yearly_cap": 40,
        },
    )
    return rule


def _specificity(rule: PointsRule) -> tuple[bool, bool]:
    return (rule.category_id is None, rule.audience == Audience.ANYONE)


def rule_for(*, category_id: int | None, audience: str) -> PointsRule:
    """The most specific rule: category and audience, then category, audience, default."""
    candidates = PointsRule.objects.filter(
        Q(category_id=category_id) | Q(category__isnull=True),
        audience__in=(audience, Audience.ANYONE),
        for_claims=False,
    )
    ranked = sorted(candidates, key=_specificity)
    return ranked[0] if ranked else default_rule()


def claim_rule_for(*, audience: str) -> PointsRule:
    """The 双项认领 rule: the audience's own, else anyone's (claims have no category)."""
    candidates = PointsRule.objects.filter(
        audience__in=(audience, Audience.ANYONE), for_claims=True
    )
    ranked = sorted(candidates, key=_specificity)
    return ranked[0] if ranked else default_claim_rule()


def policy_for(audience: str) -> PointsPolicy:
    """The audience's rubric caps and balance rule; no row means no caps, no negative balance."""
    policy = PointsPolicy.objects.filter(audience=audience).first()
    return policy if policy is not None else PointsPolicy(audience=audience)


# --- Changing the rules and policies: town administrators, audited ----------------------


def _require_town_admin(by: User | None) -> None:
    if by is not None and not permissions.administers_a_town(by):
        raise Forbidden("forbidden", _("积分规则和积分细则只能由镇管理员修改。"))


def _saved_by_wagtail(action: EditAction, changed: bool) -> None:
    action.content_changed = changed  # what the admin's form would report, for its history
    action.execute(skip_permission_checks=True)  # ``_require_town_admin`` has answered


@transaction.atomic
def rule_create(*, by: User | None, **fields: Any) -> PointsRule:
    """Add a rule (for a category, an audience or both); audited with its figures."""
    _require_town_admin(by)
    rule = PointsRule(**fields)
    refuse_invalid(rule)
    CreateAction(rule, user=by, clean=False).execute(skip_permission_checks=True)
    audit_record(
        actor=by,
        action="points_rule.create",
        target=rule,
        rule_id=rule.pk,
        values=recorded_values(rule, RULE_FIELDS),
    )
    return rule


@transaction.atomic
def rule_update(*, rule: PointsRule, by: User | None, **changes: Any) -> PointsRule:
    """Change a rule's figures for future awards; audited, each changed field old → new."""
    _require_town_admin(by)
    rule = PointsRule.objects.select_for_update().get(pk=rule.pk)
    changed = apply_changes(rule, changes)
    refuse_invalid(rule)
    _saved_by_wagtail(EditAction(rule, user=by, clean=False), bool(changed))
    if changed:
        audit_record(
            actor=by,
            action="points_rule.update",
            target=rule,
            rule_id=rule.pk,
            changes=recorded_changes(changed),
        )
    return rule


def _delete_refusal(rule: PointsRule) -> Conflict | None:
    if rule.category_id is None and rule.audience == Audience.ANYONE:
        if rule.for_claims:
            return Conflict(
                "default_rule", _("双项认领的默认规则不能删除，可以修改它的分值和上限。")
            )
        return Conflict("default_rule", _("默认规则不能删除，可以修改它的分值。"))
    if rule.entries.exists():
        return Conflict("rule_in_use", _("这条规则已经计算过积分（积分记录引用它），不能删除。"))
    return None


def rule_deletable(rule: PointsRule) -> bool:
    """Neither the default rule nor one that ledger lines name (they keep pointing at it)."""
    return _delete_refusal(rule) is None


@transaction.atomic
def rule_delete(*, rule: PointsRule, by: User | None) -> None:
    """Remove a rule nobody's points were computed with; audited with its figures."""
    _require_town_admin(by)
    rule = PointsRule.objects.select_for_update().get(pk=rule.pk)
    refusal = _delete_refusal(rule)
    if refusal is not None:
        raise refusal
    audit_record(
        actor=by,
        action="points_rule.delete",
        target=rule,
        rule_id=rule.pk,
        values=recorded_values(rule, RULE_FIELDS),
    )
    DeleteAction(rule, user=by).execute(skip_permission_checks=True)


@transaction.atomic
def policy_update(*, policy: PointsPolicy, by: User | None, **changes: Any) -> PointsPolicy:
    """Change an audience's yearly caps, balance rule or expiry; audited old → new."""
    _require_town_admin(by)
    policy = PointsPolicy.objects.select_for_update().get(pk=policy.pk)
    changed = apply_changes(policy, changes)
    refuse_invalid(policy)
    _saved_by_wagtail(EditAction(policy, user=by, clean=False), bool(changed))
    if changed:
        audit_record(
            actor=by,
            action="points_policy.update",
            target=policy,
            policy_id=policy.pk,
            audience=policy.audience,
            changes=recorded_changes(changed),
        )
    return policy
