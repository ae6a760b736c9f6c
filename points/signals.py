"""Keep a person's ranking rows under the organisations they belong to now.

The rows are a projection of ``PersonTotal`` onto the person's scopes
(``points.scopes``). When a person's home grid, party branch, employer unit,
reported community or political status change, or a membership is granted,
ended or removed, the projection is rebuilt in the same transaction. People
without any totals cost one indexed EXISTS.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from volunteers.models import Membership, Person

from .scopes import SCOPE_FIELDS
from .services.ledger import scope_totals_rebuild, scope_totals_remove


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
