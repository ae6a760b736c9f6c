"""What points does when something happens below it, in volunteers.

Ranking rows: a person's rows are kept under the organisations they belong to now.

The rows are a projection of ``PersonTotal`` onto the person's scopes
(``points.scopes``). When a person's home grid, party branch, employer unit,
reported community or political status change, or a membership is granted,
ended or removed, the projection is rebuilt in the same transaction. People
without any totals cost one indexed EXISTS. When a node of the tree moves
(``organisation_moved``), everyone linked to its subtree is rebuilt at once.

Attendance (volunteers.signals, volunteers' one way up): a finalised attendance is
awarded its hours and points, a withdrawn one has them reversed, in the sender's
transaction. A confirmed claim (双项认领) is awarded its hours and points the same way.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from points.scopes import SCOPE_FIELDS, people_linked_under
from points.services import (
    points_award_for_attendance,
    points_award_for_claim,
    points_reverse_for_attendance,
)
from points.services.ledger import scope_totals_rebuild, scope_totals_remove
from points.services.rescoping import scope_totals_rebuild_many
from volunteers.models import Membership, Person, User
from volunteers.signals import (
    attendance_finalising,
    attendance_withdrawn,
    claim_confirmed,
    organisation_moved,
)


@receiver(post_save, sender=Person, dispatch_uid="points_person_saved")
def person_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or created:
        return  # fixtures load as they are; a new person has no totals yet
    if update_fields is not None and not set(update_fields) & SCOPE_FIELDS:
        return
    scope_totals_rebuild(instance.pk)


@receiver(post_save, sender=Membership, dispatch_uid="points_membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="points_membership_deleted")
def membership_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    scope_totals_rebuild(instance.person_id)


@receiver(pre_delete, sender=Person, dispatch_uid="points_person_deleting")
def person_deleting(sender, instance, **kwargs):
    # Before the cascade removes their ranking rows, so the per-value counts follow.
    scope_totals_remove(instance.pk)


@receiver(organisation_moved, dispatch_uid="points_organisation_moved")
def organisation_moved_rescope(sender, organisation, **kwargs) -> int:
    """The subtree hangs under new nodes: its people's ranking rows follow, in the
    sender's transaction."""
    return scope_totals_rebuild_many(people_linked_under(organisation.path))


@receiver(attendance_finalising, dispatch_uid="points_award_attendance")
def attendance_finalising_award(sender, attendance, **kwargs):
    """Credit the attendance's hours and points; the ``Award`` answers the sender."""
    return points_award_for_attendance(attendance=attendance)


@receiver(attendance_withdrawn, dispatch_uid="points_reverse_attendance")
def attendance_withdrawn_reverse(sender, attendance, reason, by: User | None, **kwargs) -> int:
    return points_reverse_for_attendance(attendance=attendance, reason=reason, by=by)


@receiver(claim_confirmed, dispatch_uid="points_award_claim")
def claim_confirmed_award(sender, claim, **kwargs):
    """Credit the claim's hours and points under the 双项认领 rule; the ``Award`` answers."""
    return points_award_for_claim(claim=claim)
