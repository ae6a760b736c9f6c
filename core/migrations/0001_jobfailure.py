"""core takes up JobFailure, whose table volunteers' 0010 renamed to core_jobfailure.

Only the migration state is created here; the content type follows the model, so
anything that names it (Wagtail's log entries) still finds it.
"""

import django.utils.timezone
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="volunteers", model="jobfailure")
    if old.exists():
        # A core one can only have been made by a post_migrate run of newer code than
        # the data: it names nothing yet, the old one may (log entries).
        ContentType.objects.filter(app_label="core", model="jobfailure").delete()
        old.update(app_label="core")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model="jobfailure").update(app_label="volunteers")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("volunteers", "0010_jobfailure_moves_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="JobFailure",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("task_name", models.CharField(max_length=200, verbose_name="任务")),
                        (
                            "task_id",
                            models.CharField(blank=True, max_length=64, verbose_name="任务编号"),
                        ),
                        (
                            "outcome",
                            models.CharField(
                                choices=[("failed", "失败"), ("skipped", "已跳过")],
                                default="failed",
                                max_length=8,
                                verbose_name="结果",
                            ),
                        ),
                        (
                            "key",
                            models.CharField(
                                blank=True,
                                max_length=160,
                                null=True,
                                unique=True,
                                verbose_name="标识",
                            ),
                        ),
                        ("args", models.TextField(blank=True, verbose_name="参数")),
                        ("error", models.TextField(blank=True, verbose_name="原因")),
                        (
                            "traceback",
                            models.TextField(blank=True, verbose_name="调用栈（节选）"),
                        ),
                        (
                            "failed_at",
                            models.DateTimeField(
                                db_index=True,
                                default=django.utils.timezone.now,
                                verbose_name="时间",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "后台任务记录",
                        "verbose_name_plural": "后台任务记录",
                        "ordering": ["-failed_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
