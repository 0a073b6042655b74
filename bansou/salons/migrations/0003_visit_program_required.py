import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("salons", "0002_visit_program"),
    ]

    operations = [
        migrations.AlterField(
            model_name="visit",
            name="program",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programs.program",
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["organization", "program", "occurred_at"], name="salons_visit_program_at"
            ),
        ),
    ]
