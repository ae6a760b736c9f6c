"""Pre-aggregated totals, kept in the same transaction as every ledger line.

Two tables, both changed only by ``points.services.ledger`` inside the
transaction that writes the entry or changes the service record, and both
recomputed by ``manage.py verify_ledger``.

``PersonTotal`` — one row per (person, period): the person's rubric score
(``points``), spendable ``balance`` and credited service ``minutes`` for each
month, quarter, year and all time (see ``points.periods`` for the keys). It is
what "我的积分" reads, and its all-time row is the per-person lock: every write
for a person first takes ``SELECT … FOR UPDATE`` on it, so caps, balance checks
and idempotency checks for one person are serialised without a table lock.

``ScopeTotal`` — the ranking projection. One row per (organisation, period,
population, person), copying the person's ``points`` and ``minutes`` for that
period, for every organisation node the person belongs under: every ancestor
(and itself) of their home grid, party branch, employer unit, reported community
and open memberships (teams and other roles). Party members have a second set of
rows in the ``party_members`` population; everyone has the ``volunteers`` set.

Why per-scope rows rather than one row per (person, period) carrying the
person's scope paths: a ranking is "the top 20 of one subtree, in one period,
for one population, by one measure". With per-scope rows that is a single
index range — ``(organisation, period, population, -points, person)`` — read in
order and stopped after 20 rows: O(log n) whatever the size of the town, for
any node of the tree (town, community, grid, branch, team, squad …). A row per
person with path columns needs a prefix range on the path and then a sort of
the whole subtree by points, which grows with the subtree; and a person in two
teams does not fit in one column. "My place" is the person's own row (primary
key lookup) plus ``1 + count(points > mine)`` over the same index prefix — an
index-only range count (competition ranking 1, 2, 2, 4 falls out of it).

The cost is write fan-out: a ledger line upserts about 4 periods × ~10 scopes
rows in one statement. The rows are per person, so two people's writes never
touch the same row — no hot "town total" row, no deadlocks between awards — and
the per-person lock already orders writes for one person. A person's scope rows
are rebuilt from their ``PersonTotal`` rows when their organisations or
political status change (``points.signals``); they never need the ledger.

Measured on PostgreSQL 15 with 100,000 people, 2,000,000 lines (7.8 million
ranking rows): the top 20 of the town for a month is an index-only scan of 20
entries, 0.1 ms. "My place" as a count is O(my rank): 15 ms for someone 58,000th
in a month, 66 ms for the last of 100,000 all time on this (slow) machine — fine
for the top, too slow at the bottom of a very large scope. The rankings work
should therefore add a count per value, e.g. ``(organisation, period,
population, measure, value) → people``, so that my place is
``1 + sum(people with a higher value)`` — bounded by the number of distinct
values, not of people. It can be kept from this table's upsert (``RETURNING``
the new values gives the old ones), with its rows written in one statement per
transaction in key order, since those rows, unlike these, are shared between
people.

Team totals (total and per head) for team rankings can be summed from the
``ScopeTotal`` rows of each team node (the primary key leads with the
organisation), or kept in an organisation-level table by the rankings work.

``RankingValueCount`` is that count per value: for each (organisation, period,
population, measure, value), how many ranking rows carry that value. "My place"
is then ``1 + sum(people)`` over the values above mine — an index range over the
distinct values of one ranking, however many people share them (``points.selectors.rankings``).
Unlike ``ScopeTotal`` rows these are shared between people, so a transaction
collects what it changes and writes them once, at its end, in one statement in
key order (``points.services.ledger.ledger_atomic``): two writers take the shared
rows in the same order and cannot deadlock. A row whose count falls to 0 stays
(it adds nothing to a sum) until ``ranking_counts_rebuild`` drops it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from points.periods import PERIOD_KEY_LENGTH


class Population(models.TextChoices):
    VOLUNTEERS = "volunteers", _("志愿者")  # everyone: every person is a registered volunteer
    PARTY_MEMBERS = "party_members", _("党员")


class Measure(models.TextChoices):
    """What a ranking orders by: the columns of ``ScopeTotal``."""

    POINTS = "points", _("积分")
    MINUTES = "minutes", _("服务时长")


class PersonTotal(models.Model):
    """A person's points, balance and service minutes in one period."""

    pk = models.CompositePrimaryKey("person", "period")
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="points_totals",
        db_index=False,  # the primary key leads with it
    )
    period = models.CharField(_("期间"), max_length=PERIOD_KEY_LENGTH)
    points = models.IntegerField(_("积分"), default=0)
    balance = models.IntegerField(_("可用积分变动"), default=0)
    minutes = models.IntegerField(_("服务时长（分钟）"), default=0)

    class Meta:
        verbose_name = _("个人积分汇总")
        verbose_name_plural = _("个人积分汇总")

    def __str__(self) -> str:
        return f"{self.person_id} {self.period}: {self.points}分 {self.minutes}分钟"


class ScopeTotal(models.Model):
    """A person's period totals, once per organisation node they rank under."""

    pk = models.CompositePrimaryKey("organisation", "period", "population", "person")
    organisation = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("组织"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the primary key leads with it
    )
    period = models.CharField(_("期间"), max_length=PERIOD_KEY_LENGTH)
    population = models.CharField(_("人群"), max_length=16, choices=Population.choices)
    person = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    points = models.IntegerField(_("积分"), default=0)
    minutes = models.IntegerField(_("服务时长（分钟）"), default=0)

    class Meta:
        verbose_name = _("排名汇总")
        verbose_name_plural = _("排名汇总")
        indexes = [
            models.Index(
                fields=["organisation", "period", "population", "-points", "person"],
                name="scope_rank_points_idx",
            ),
            models.Index(
                fields=["organisation", "period", "population", "-minutes", "person"],
                name="scope_rank_minutes_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.period} {self.population} {self.person_id}"


class RankingValueCount(models.Model):
    """How many people of one ranking share one value: what "my place" sums."""

    pk = models.CompositePrimaryKey("organisation", "period", "population", "measure", "value")
    organisation = models.ForeignKey(
        "volunteers.Organisation",
        verbose_name=_("组织"),
        on_delete=models.CASCADE,  # goes with the organisation's ScopeTotal rows
        related_name="+",
        db_index=False,  # the primary key leads with it
    )
    period = models.CharField(_("期间"), max_length=PERIOD_KEY_LENGTH)
    population = models.CharField(_("人群"), max_length=16, choices=Population.choices)
    measure = models.CharField(_("排名依据"), max_length=8, choices=Measure.choices)
    value = models.IntegerField(_("数值"))
    people = models.IntegerField(_("人数"), default=0)

    class Meta:
        verbose_name = _("排名分值人数")
        verbose_name_plural = _("排名分值人数")

    def __str__(self) -> str:
        return (
            f"{self.organisation_id} {self.period} {self.population} {self.measure} "
            f"{self.value}: {self.people}"
        )
