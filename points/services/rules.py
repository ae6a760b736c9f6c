"""Which rule and which policy apply to a person and an activity category."""

from django.db.models import Q

from points.models import Audience, PointsPolicy, PointsRule
from points.models.rules import DEFAULT_RULE_NAME


def audience_of(person) -> str:
    return Audience.PARTY_MEMBERS if person.is_party_member else Audience.VOLUNTEERS


def default_rule() -> PointsRule:
    """The rule for no category and anyone: migration 0003 makes it; recreated if missing."""
    rule, _created = PointsRule.objects.get_or_create(
        category=None,
        audience=Audience.ANYONE,
        defaults={"name": DEFAULT_RULE_NAME, "points_per_hour": 1},
    )
    return rule


def rule_for(*, category_id: int | None, audience: str) -> PointsRule:
    """The most specific rule: category and audience, then category, audience, default."""
    candidates = PointsRule.objects.filter(
        Q(category_id=category_id) | Q(category__isnull=True),
        audience__in=(audience, Audience.ANYONE),
    )

    def specificity(rule: PointsRule) -> tuple[bool, bool]:
        return (rule.category_id is None, rule.audience == Audience.ANYONE)

    ranked = sorted(candidates, key=specificity)
    return ranked[0] if ranked else default_rule()


def policy_for(audience: str) -> PointsPolicy:
    """The audience's rubric caps and balance rule; no row means no caps, no negative balance."""
    policy = PointsPolicy.objects.filter(audience=audience).first()
    return policy if policy is not None else PointsPolicy(audience=audience)
