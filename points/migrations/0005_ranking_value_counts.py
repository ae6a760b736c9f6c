"""Per-value ranking counts, so that "my place" sums over values, not people.

Filled from the ranking rows already there (the same GROUP BY as
``points.services.ledger.ranking_counts_rebuild``), so an existing database
starts consistent and ``verify_ledger`` stays clean.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNT_FROM_RANKING_ROWS = """
INSERT INTO points_rankingvaluecount (organisation_id, period, population, measure, value, people)
SELECT organisation_id, period, population, 'points', points, COUNT(*) FROM points_scopetotal
GROUP BY organisation_id, period, population, points
UNION ALL
SELECT organisation_id, period, population, 'minutes', minutes, COUNT(*) FROM points_scopetotal
GROUP BY organisation_id, period, population, minutes
"""


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0004_rewards_certificates"),
        ("volunteers", "0005_admin_access_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="RankingValueCount",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "organisation",
                        "period",
                        "population",
                        "measure",
                        "value",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("period", models.CharField(max_length=7, verbose_name="期间")),
                (
                    "population",
                    models.CharField(
                        choices=[("volunteers", "志愿者"), ("party_members", "党员")],
                        max_length=16,
                        verbose_name="人群",
                    ),
                ),
                (
                    "measure",
                    models.CharField(
                        choices=[("points", "积分"), ("minutes", "服务时长")],
                        max_length=8,
                        verbose_name="排名依据",
                    ),
                ),
                ("value", models.IntegerField(verbose_name="数值")),
                ("people", models.IntegerField(default=0, verbose_name="人数")),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="volunteers.organisation",
                        verbose_name="组织",
                    ),
                ),
            ],
            options={
                "verbose_name": "排名分值人数",
                "verbose_name_plural": "排名分值人数",
            },
        ),
        migrations.RunSQL(COUNT_FROM_RANKING_ROWS, migrations.RunSQL.noop),
    ]
