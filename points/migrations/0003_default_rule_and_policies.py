"""The default points rule and the two audience policies, for town admins to edit.

Default: 1 point per hour of service, any category, anyone. Party members'
rubric (党员积分细则): a 100-point year, at most 40 basic, 40 service and 20
reward points. Nobody's balance may go below zero.
"""

from django.db import migrations


def add_defaults(apps, schema_editor):
    PointsRule = apps.get_model("points", "PointsRule")
    PointsPolicy = apps.get_model("points", "PointsPolicy")
    PointsRule.objects.get_or_create(
        category=None,
        audience="anyone",
        defaults={"name": "默认规则", "points_per_hour": 1, "points_per_attendance": 0},
    )
    PointsPolicy.objects.get_or_create(audience="volunteers")
    PointsPolicy.objects.get_or_create(
        audience="party_members",
        defaults={
            "yearly_total_cap": 100,
            "basic_cap": 40,
            "service_cap": 40,
            "reward_cap": 20,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("points", "0002_ledger_append_only_trigger")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
