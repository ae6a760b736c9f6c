"""JobFailure is job infrastructure, which lives in core: the table is renamed to
core_jobfailure here and the model is taken up by core's 0001 (no row is copied)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0009_scanattempt_only_reasons_raised"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="JobFailure", table="core_jobfailure"),
            ],
            state_operations=[
                migrations.DeleteModel(name="JobFailure"),
            ],
        ),
    ]
