"""What volunteers tells the layers above it: the one way up.

volunteers sits below points and cms and never imports them. Where a change here must
cause something there, the service that makes the change sends one of these signals
and the higher app receives it, connected in its ``apps.py``:

``attendance_finalising(attendance)``
    Sent by ``attendances_close_due_and_finalise`` inside the transaction that marks
    an attendance finalised. points credits the attendance's hours and points (once:
    the ledger's idempotency key) and answers what it did (an ``Award``); an error rolls
    the finalising back, so an attendance is never finalised without its award.
``attendance_withdrawn(attendance, reason, by)``
    Sent by ``attendance_remove`` inside its transaction. points reverses what the
    attendance earned.
``activity_finished(activity)``
    Sent by the finishing job (``volunteers.tasks.finish_activity``) after it has
    finished an activity and the transaction committed. cms drafts a report for the
    activity's news. (The demo seed finishes its past activities directly and sends
    nothing: it writes no reports.)
``organisation_moved(organisation)``
    Sent by ``organisation_move`` inside its transaction, once the node (and its
    subtree) hangs under its new parent. Everyone linked to the subtree now ranks under
    other nodes above it: points copies their totals to those rankings (an error rolls
    the move back, so the rankings never disagree with the tree).
``claim_confirmed(claim)``
    Sent by ``claim_confirm`` inside its transaction, when the grid's staff or the
    resident confirm that a claimed need (双项认领) was served. points credits the claim's
    minutes and points under the 双项认领 rule (once: the ledger's idempotency key) and
    answers what it did; an error rolls the confirmation back.
"""

from django.dispatch import Signal

attendance_finalising = Signal()
attendance_withdrawn = Signal()
activity_finished = Signal()
organisation_moved = Signal()
claim_confirmed = Signal()


def answer(responses) -> object | None:
    """The first answer a receiver gave (``Signal.send`` returns every receiver's)."""
    return next((response for _receiver, response in responses if response is not None), None)
