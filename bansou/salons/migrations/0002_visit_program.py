"""Each visit keeps its block's program (as it keeps its venue): added empty and filled
from the blocks here, required in 0003 (a separate transaction: PostgreSQL does not alter
a table with the fill's deferred foreign-key checks pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_programs(apps, schema_editor):
    Visit = apps.get_model("salons", "Visit")
    SalonBlock = apps.get_model("salons", "SalonBlock")
    Visit.objects.update(
        program_id=Subquery(
            SalonBlock.objects.filter(pk=OuterRef("block_id")).values("program_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0005_target_kpi_and_suppression"),
        ("salons", "0001_salons"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="program",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programs.program",
            ),
        ),
        migrations.RunPython(fill_programs, migrations.RunPython.noop),
    ]
