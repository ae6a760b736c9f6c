from django.db import migrations

CATEGORIES = [
    "文明交通劝导",
    "社区治安联防",
    "弱势群体帮扶",
    "环境整治",
    "敬老助残",
    "政策宣传",
    "党员义务服务",
    "其他",
]


def add_categories(apps, schema_editor):
    ActivityCategory = apps.get_model("volunteers", "ActivityCategory")
    for order, name in enumerate(CATEGORIES):
        ActivityCategory.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0003_activities_signups_checkin")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
