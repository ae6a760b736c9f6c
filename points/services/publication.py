"""Monthly publication (公示): freezing last month's rankings, and objections to them.

On the 1st of each month (Celery beat, ``points.tasks.publish_monthly_rankings``)
``rankings_publish_month`` freezes the month that just ended into
``RankingSnapshot`` rows: the town and each community for both populations, and
each party branch for party members, by points and by service hours. Each
snapshot keeps the top ``SNAPSHOT_PLACES`` places (more when people tie on the
last place, fewer when so many tie there that they would pass ``TIE_ROOM ×
SNAPSHOT_PLACES`` rows), read from the pre-aggregated ``ScopeTotal`` rows with a
window ``RANK()`` — competition ranking, 1, 2, 2, 4 — never from the ledger.

Publishing is idempotent: the unique (organisation, period, population, measure)
decides, so a second run, a redelivered task or two workers at once create each
snapshot once. A snapshot is frozen: a mistake found in it is answered through an
objection and corrected in the ledger.

The notice period runs for seven full days after the day of publication; until
it ends, anyone who appears in a snapshot, or ranks in its scope and population
and so could have, may lodge one objection, which a secretary whose scope covers
them answers (audited).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Window
from django.db.models.functions import Rank
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, Invalid
from core.text import plain_text
from points.models import (
    Measure,
    Objection,
    Population,
    RankingSnapshot,
    RankingSnapshotRow,
    ScopeTotal,
)
from points.periods import SHANGHAI, PeriodKind, local_date, month_key, period_bounds, period_kind
from points.policies import may_answer_objection, may_object_to
from volunteers.models import Organisation, Person, User
from volunteers.services.audit import audit_record

SNAPSHOT_PLACES = 100
TIE_ROOM = 2  # at most this many times SNAPSHOT_PLACES rows, however many tie
NOTICE_DAYS = 7
OBJECTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 500
Kind = Organisation.Kind


@dataclass(frozen=True)
class Publication:
    """What one run of ``rankings_publish_month`` did."""

    month: str
    created: int
    existing: int


def previous_month(now: datetime.datetime) -> str:
    """The month before the one ``now`` falls in (Shanghai time)."""
    first = local_date(now).replace(day=1)
    return month_key(first - datetime.timedelta(days=1))


def notice_end(published_at: datetime.datetime) -> datetime.datetime:
    """The end of the notice period: midnight after the 7th day following publication."""
    last_day = local_date(published_at) + datetime.timedelta(days=NOTICE_DAYS)
    return datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI
    )


def snapshot_scopes() -> list[tuple[Organisation, str]]:
    """(organisation, population) pairs published each month, in a stable order."""
    nodes = Organisation.objects.filter(
        kind__in=(Kind.TOWN, Kind.COMMUNITY, Kind.PARTY_BRANCH)
    ).order_by("path")
    pairs: list[tuple[Organisation, str]] = []
    for node in nodes:
        if node.kind != Kind.PARTY_BRANCH:
            pairs.append((node, Population.VOLUNTEERS))
        pairs.append((node, Population.PARTY_MEMBERS))
    return pairs


def ranking_rows(
    *, organisation_id: int, period: str, population: str, measure: str, places: int
) -> list[Mapping[str, Any]]:
    """The top ``places`` of one scope (all who tie on the last place), ranked 1, 2, 2, 4.

    Index range reads: the value at the last place, whether a crowd ties on it, then
    every row at or above it, ranked with ``RANK()``. Including all rows above the
    cut-off makes the ranks over this subset the ranks over the whole scope.
    """
    field = "points" if measure == Measure.POINTS else "minutes"
    scope = ScopeTotal.objects.filter(
        organisation_id=organisation_id,
        period=period,
        population=population,
        **{f"{field}__gt": 0},
    )
    last = list(scope.order_by(f"-{field}").values_list(field, flat=True)[places - 1 : places])
    if last:
        # Everyone tied on the last place is in, unless that tie is a crowd (every party
        # member with only the monthly basic points, say): then the board stops above it.
        at_or_above = scope.filter(**{f"{field}__gte": last[0]})
        room = places * TIE_ROOM
        crowded = bool(at_or_above.order_by().values_list(field)[room : room + 1])
        scope = scope.filter(**{f"{field}__gt" if crowded else f"{field}__gte": last[0]})
    return list(
        scope.annotate(
            place=Window(Rank(), order_by=F(field).desc()),
            value=F(field),
        )
        .order_by("place", "person_id")
        .values(
            "person_id",
            "place",
            "value",
            "person__real_name",
            "person__home_grid__name",
            "person__party_branch__name",
        )
    )


def _row(snapshot: RankingSnapshot, found: Mapping[str, Any]) -> RankingSnapshotRow:
    if snapshot.population == Population.PARTY_MEMBERS:
        where = found["person__party_branch__name"] or found["person__home_grid__name"]
    else:
        where = found["person__home_grid__name"] or ""
    return RankingSnapshotRow(
        snapshot=snapshot,
        place=found["place"],
        person_id=found["person_id"],
        value=found["value"],
        display_name=found["person__real_name"][:40],
        organisation_name=(where or "")[:100],
    )


def rankings_publish_month(
    *, month: str | None = None, now: datetime.datetime | None = None
) -> Publication:
    """Freeze ``month`` (default: last month) for every published scope; idempotent."""
    now = now or timezone.now()
    month = month or previous_month(now)
    try:
        kind = period_kind(month)
    except ValueError:
        kind = None
    if kind != PeriodKind.MONTH:
        raise Invalid("bad_month", _("请给出月份，例如 2026-05。"), field="month")
    _start, end = period_bounds(month)
    if end is None or now < end:  # a month always ends; None is all time
        raise Invalid(
            "month_not_over", _("%(month)s尚未结束，不能公示。") % {"month": month}, field="month"
        )
    notice_until = notice_end(now)
    done = set(
        RankingSnapshot.objects.filter(period=month).values_list(
            "organisation_id", "population", "measure"
        )
    )
    created = existing = 0
    town = None
    for organisation, population in snapshot_scopes():
        town = town or (organisation if organisation.kind == Kind.TOWN else None)
        for measure in Measure.values:
            if (organisation.pk, population, measure) in done:
                existing += 1
                continue
            # One transaction per snapshot: a crash half-way leaves whole snapshots, and
            # the next run publishes the rest.
            try:
                with transaction.atomic():
                    rows = ranking_rows(
                        organisation_id=organisation.pk,
                        period=month,
                        population=population,
                        measure=measure,
                        places=SNAPSHOT_PLACES,
                    )
                    snapshot = RankingSnapshot.objects.create(
                        organisation=organisation,
                        period=month,
                        population=population,
                        measure=measure,
                        scope_name=organisation.name[:100],
                        people=len(rows),
                        published_at=now,
                        notice_until=notice_until,
                    )
                    RankingSnapshotRow.objects.bulk_create(
                        [_row(snapshot, found) for found in rows], batch_size=1000
                    )
            except IntegrityError:
                existing += 1  # another run published it meanwhile
                continue
            created += 1
    if created:
        audit_record(
            actor=None,
            action="rankings.publish",
            target=f"{month} 排行榜公示",
            organisation=town,
            month=month,
            created=created,
            notice_until=notice_until.isoformat(),
        )
    return Publication(month=month, created=created, existing=existing)


# --- Objections -----------------------------------------------------------------------


def notice_over_message(snapshot: RankingSnapshot) -> str:
    last_day = local_date(snapshot.notice_until - datetime.timedelta(microseconds=1))
    return _(
        "这份榜单的公示期已于%(month)d月%(day)d日结束，不能再提出异议。如有疑问，请联系所在社区。"
    ) % {"month": last_day.month, "day": last_day.day}


def _clean_text(text: str, *, field: str, label: str, missing: str, limit: int) -> str:
    # Markup and control characters are refused, as in every other free text (core.text);
    # the length is counted here, with this service's own message.
    text = plain_text(text, field=field, label=label, max_length=10**6, multiline=True)
    if not text:
        raise Invalid(f"missing_{field}", missing, field=field)
    if len(text) > limit:
        raise Invalid(
            f"long_{field}",
            _("不能超过 %(limit)d 字（现在 %(length)d 字）。")
            % {"limit": limit, "length": len(text)},
            field=field,
        )
    return text


@transaction.atomic
def objection_lodge(
    *, snapshot: RankingSnapshot, person: Person, text: str, now: datetime.datetime | None = None
) -> Objection:
    """A person objects to a published ranking during its notice period; once per ranking."""
    now = now or timezone.now()
    text = _clean_text(
        text,
        field="text",
        label=_("异议内容"),
        missing=_("请写明异议内容。"),
        limit=OBJECTION_MAX_LENGTH,
    )
    if not snapshot.notice_open(now):
        raise Conflict("notice_over", notice_over_message(snapshot))
    if not may_object_to(person, snapshot):
        raise Forbidden(
            "not_in_scope",
            _("您不在这份榜单的范围内（%(scope)s · %(population)s），不能对它提出异议。")
            % {"scope": snapshot.scope_name, "population": snapshot.get_population_display()},
        )
    try:
        with transaction.atomic():
            objection = Objection.objects.create(
                snapshot=snapshot, person=person, text=text, lodged_at=now
            )
    except IntegrityError:
        raise Conflict("already_lodged", _("您已对这份榜单提出过异议，请等待答复。")) from None
    audit_record(
        actor=person.user,
        action="objection.lodge",
        target=objection,
        organisation=snapshot.organisation,
        snapshot_id=snapshot.pk,
        objection_id=objection.pk,
        person_id=person.pk,
    )
    return objection


@transaction.atomic
def objection_answer(
    *,
    objection: Objection,
    answer: str,
    outcome: str,
    by: User,
    now: datetime.datetime | None = None,
) -> Objection:
    """A secretary whose scope covers the person answers an objection, once; audited."""
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("person", "snapshot__organisation")
        .get(pk=objection.pk)
    )
    if not may_answer_objection(by, objection):
        raise Forbidden("forbidden", _("只有提出人所在组织的书记（管理员）可以答复这条异议。"))
    if objection.status != Objection.Status.PENDING:
        raise Conflict(
            "already_answered",
            _("这条异议已答复（%(status)s），不能重复答复。")
            % {"status": objection.get_status_display()},
        )
    if outcome not in (Objection.Status.UPHELD, Objection.Status.DISMISSED):
        raise Invalid("missing_outcome", _("请选择异议是否成立。"), field="outcome")
    answer = _clean_text(
        answer,
        field="answer",
        label=_("答复内容"),
        missing=_("请填写答复内容。"),
        limit=ANSWER_MAX_LENGTH,
    )
    objection.status = outcome
    objection.answer = answer
    objection.answered_by = by
    objection.answered_at = now or timezone.now()
    objection.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit_record(
        actor=by,
        action="objection.answer",
        target=objection,
        organisation=objection.snapshot.organisation,
        objection_id=objection.pk,
        snapshot_id=objection.snapshot_id,
        person_id=objection.person_id,
        outcome=outcome,
        answer=answer,
    )
    return objection
