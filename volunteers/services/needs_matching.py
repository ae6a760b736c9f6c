"""Matching (三单一卡): telling the party members whose skills fit a newly published need.

``need_publish`` queues ``volunteers.tasks.need_match`` after commit; the job calls
``need_match``, which tells at most ``MATCH_AT_MOST`` people, once per need: the need's
``matched_at`` is set under its row lock, so a second publish path, a redelivered job or
two workers at once tell nobody twice (each notice also has its own idempotency key).

Who is told: the people ``suggested_people`` finds (the need's community, skills or
interests fitting its category) who have an account and did not opt out
(``Person.need_suggestions``), and only party members: claiming (双项认领) is theirs,
and a volunteer told of a need they cannot claim would only meet a refusal. Those who
opted out, and the volunteers, are still listed to the staff (``need_suggestions``).
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from volunteers.models import Need, Notification, Person
from volunteers.selectors.needs_matching import suggested_people
from volunteers.services.notifications import notify

# At most this many people are told of one need: enough to fill its places (at most 20)
# several times over, few enough that a broad category does not message a whole community.
MATCH_AT_MOST = 20


@transaction.atomic
def need_match(*, need: Need) -> int:
    """Tell the people whose skills fit ``need`` about it, once per need; how many were told."""
    locked = (
        Need.objects.select_for_update(of=("self",))
        .select_related("community", "category")
        .filter(pk=need.pk)
        .first()
    )
    # Gone, told before, or no longer waiting for claimants (claimed in full or closed
    # before the job ran): nothing to tell.
    if locked is None or locked.matched_at is not None or locked.status != Need.Status.PUBLISHED:
        return 0
    if locked.is_past_deadline(timezone.localdate()):
        return 0
    locked.matched_at = timezone.now()
    locked.save(update_fields=["matched_at"])
    people = list(
        suggested_people(locked).filter(
            need_suggestions=True,
            user__isnull=False,
            user__is_active=True,
            political_status__in=Person.PARTY_STATUSES,
        )[:MATCH_AT_MOST]
    )
    # The public title only: the person has not claimed it, so the resident's name and
    # address are not theirs to read yet (volunteers.selectors.needs).
    title = _("微心愿推荐：%(title)s") % {"title": locked.public_title}
    body = _(
        "%(community)s有一项与您的技能特长或服务意向相符的微心愿：“%(title)s”（%(category)s），"
        "截止%(deadline)s，欢迎认领。不想再收到推荐，可在“编辑资料”中关闭。"
    ) % {
        "community": locked.community.name,
        "title": locked.public_title,
        "category": locked.category.name,
        "deadline": date_format(locked.deadline, "DATE_FORMAT"),
    }
    url = reverse("volunteers:need_detail", args=[locked.pk])
    told = 0
    for person in people:
        notification = notify(
            person=person,
            kind=Notification.Kind.NEED,
            key=f"need:{locked.pk}:match:{person.pk}",
            title=title,
            body=body,
            url=url,
        )
        told += notification is not None
    return told
