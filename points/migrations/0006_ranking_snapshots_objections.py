"""Published ranking snapshots (光荣榜), their rows, and objections lodged during 公示.

On PostgreSQL a trigger refuses UPDATE and DELETE of snapshots and their rows, as
migration 0002 does for the ledger (TRUNCATE, how test databases are emptied, is
left alone).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FROZEN_TABLES = ("points_rankingsnapshot", "points_rankingsnapshotrow")

CREATE = """
CREATE OR REPLACE FUNCTION points_snapshot_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is frozen once published: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_frozen
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION points_snapshot_frozen();
"""
    for table in FROZEN_TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};\n" for table in FROZEN_TABLES)
DROP += "DROP FUNCTION IF EXISTS points_snapshot_frozen();\n"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0005_ranking_value_counts"),
        ("volunteers", "0005_admin_access_group"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RankingSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
                ("scope_name", models.CharField(max_length=100, verbose_name="范围名称")),
                ("people", models.PositiveIntegerField(default=0, verbose_name="上榜人数")),
                ("published_at", models.DateTimeField(verbose_name="公示时间")),
                (
                    "notice_until",
                    models.DateTimeField(help_text="此前可以提出异议。", verbose_name="公示截止"),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ranking_snapshots",
                        to="volunteers.organisation",
                        verbose_name="范围",
                    ),
                ),
            ],
            options={
                "verbose_name": "已公示排行榜",
                "verbose_name_plural": "已公示排行榜",
                "ordering": ["-period", "organisation_id", "population", "measure"],
            },
        ),
        migrations.CreateModel(
            name="Objection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(max_length=500, verbose_name="异议内容")),
                (
                    "lodged_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="提出时间"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待答复"),
                            ("upheld", "异议成立"),
                            ("dismissed", "异议不成立"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("answer", models.TextField(blank=True, max_length=500, verbose_name="答复")),
                (
                    "answered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="答复时间"),
                ),
                (
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="答复人",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ranking_objections",
                        to="volunteers.person",
                        verbose_name="提出人",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="objections",
                        to="points.rankingsnapshot",
                        verbose_name="排行榜",
                    ),
                ),
            ],
            options={
                "verbose_name": "公示异议",
                "verbose_name_plural": "公示异议",
                "ordering": ["lodged_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="RankingSnapshotRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("place", models.PositiveIntegerField(verbose_name="名次")),
                (
                    "value",
                    models.IntegerField(
                        help_text="积分，或服务时长（分钟）。", verbose_name="数值"
                    ),
                ),
                ("display_name", models.CharField(max_length=40, verbose_name="姓名")),
                (
                    "organisation_name",
                    models.CharField(blank=True, max_length=100, verbose_name="所在组织"),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ranking_rows",
                        to="volunteers.person",
                        verbose_name="人员",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rows",
                        to="points.rankingsnapshot",
                        verbose_name="排行榜",
                    ),
                ),
            ],
            options={
                "verbose_name": "排行榜名次",
                "verbose_name_plural": "排行榜名次",
                "ordering": ["snapshot_id", "place", "person_id"],
            },
        ),
        migrations.AddIndex(
            model_name="rankingsnapshot",
            index=models.Index(
                fields=["population", "measure", "-period"], name="snapshot_newest_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="rankingsnapshot",
            constraint=models.UniqueConstraint(
                fields=("organisation", "period", "population", "measure"),
                name="snapshot_one_per_scope_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="rankingsnapshot",
            constraint=models.CheckConstraint(
                condition=models.Q(("notice_until__gt", models.F("published_at"))),
                name="snapshot_notice_after_publication",
            ),
        ),
        migrations.AddIndex(
            model_name="objection",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["lodged_at"],
                name="objection_pending_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="objection",
            constraint=models.UniqueConstraint(
                fields=("snapshot", "person"), name="objection_one_each"
            ),
        ),
        migrations.AddConstraint(
            model_name="objection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("answer", ""), ("answered_at__isnull", True), ("status", "pending")),
                    models.Q(
                        models.Q(("status", "pending"), _negated=True),
                        ("answered_at__isnull", False),
                        models.Q(("answer", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="objection_answered_consistently",
            ),
        ),
        migrations.AddIndex(
            model_name="rankingsnapshotrow",
            index=models.Index(fields=["snapshot", "place"], name="snapshot_row_place_idx"),
        ),
        migrations.AddConstraint(
            model_name="rankingsnapshotrow",
            constraint=models.UniqueConstraint(
                fields=("snapshot", "person"), name="snapshot_row_one_each"
            ),
        ),
        migrations.AddConstraint(
            model_name="rankingsnapshotrow",
            constraint=models.CheckConstraint(
                condition=models.Q(("place__gte", 1)), name="snapshot_row_place_positive"
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
