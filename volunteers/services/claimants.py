"""Who claims (双项认领): a party member, or a unit through its contact (单位认领).

Shared by the needs and the projects services, which both take claims.
"""

from django.utils.translation import gettext as _

from core.errors import Forbidden
from volunteers import permissions
from volunteers.models import Claim, Organisation, User


def unit_refusal(user: User | None, unit: Organisation) -> Forbidden | None:
    """Why ``user`` may not claim for ``unit``: only its current 单位联络人 may."""
    if permissions.may_claim_for_unit(user, unit):
        return None
    return Forbidden(
        "not_unit_contact",
        _("只有%(unit)s的单位联络人可以以单位名义认领。") % {"unit": unit.name},
    )


def claimant_name(claim: Claim) -> str:
    """Who claimed, as messages name them: 党员赵文静, or the unit (by its contact)."""
    if claim.unit is not None:
        return _("%(unit)s（联络人%(name)s）") % {
            "unit": claim.unit.name,
            "name": claim.person.real_name,
        }
    return _("党员%(name)s") % {"name": claim.person.real_name}
