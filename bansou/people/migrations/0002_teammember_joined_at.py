import django.utils.timezone
from django.db import migrations, models


def members_joined_with_their_team(apps, schema_editor):
    """Existing members count as members since their team was created: what they could see
    before stays visible."""
    TeamMember = apps.get_model("people", "TeamMember")
    for member in TeamMember.objects.select_related("team").iterator():
        member.joined_at = member.team.created_at
        member.save(update_fields=["joined_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="teammember",
            name="joined_at",
            field=models.DateTimeField(null=True, verbose_name="joined at"),
        ),
        migrations.RunPython(members_joined_with_their_team, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="teammember",
            name="joined_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="joined at"),
        ),
    ]
