"""KPI targets say which KPI they measure and whether it is an output or an outcome; a
target is above zero; programs get the threshold under which reports hide small counts
from viewers and partners.

Existing targets had no KPI: each gets a best guess from its name and unit (学校・校 →
venues served, サロン → salon sessions, 来室 → visits, 声かけ → outreach, 面談 → sessions
held, 満足 → the satisfied share when the unit is %, else the mean, NPS → NPS,
イベント・講話・セミナー → events; anything else sessions held), the outcome kind for
satisfaction and NPS and output otherwise, for the
coordinators to check in the program editor. A target of 0 (which the form allowed) cannot
give an achievement percentage and becomes 1, so that the new check constraint holds;
nothing else changes."""

from django.core.validators import MinValueValidator
from django.db import migrations, models

GUESSES = (
    (("満足", "satisfaction"), "satisfaction_mean"),
    (("nps",), "nps"),
    (("声かけ", "outreach"), "visits_outreach"),
    (("来室", "visit"), "visits"),
    (("学校", "訪問校", "school", "venue"), "venues_served"),
    (("サロン", "salon"), "salon_sessions_held"),
    (("イベント", "講話", "セミナー", "ガイダンス", "event"), "events_held"),
    (("面談", "session"), "sessions_held"),
)
OUTCOMES = ("satisfaction_mean", "satisfied_rate", "nps")


def guess_kpi(name: str, unit: str) -> str:
    text = f"{name} {unit}".casefold()
    for words, kpi in GUESSES:
        if any(word in text for word in words):
            if kpi == "satisfaction_mean" and unit.strip() in ("%", "％"):
                return "satisfied_rate"
            return kpi
    if unit.strip() == "校":
        return "venues_served"
    return "sessions_held"


def fill_targets(apps, schema_editor):  # type: ignore[no-untyped-def]
    Target = apps.get_model("programs", "Target")
    for target in Target.objects.all().only("pk", "name", "unit", "target_value"):
        kpi = guess_kpi(target.name, target.unit)
        target.kpi = kpi
        target.kind = "outcome" if kpi in OUTCOMES else "output"
        target.target_value = max(target.target_value, 1)
        target.save(update_fields=["kpi", "kind", "target_value"])


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0004_application_privacy_and_minors"),
    ]

    operations = [
        migrations.AddField(
            model_name="target",
            name="kpi",
            field=models.CharField(
                choices=[
                    ("venues_served", "Venues served"),
                    ("salon_sessions_held", "Salon sessions held"),
                    ("sessions_held", "Sessions held"),
                    ("unique_clients", "Unique clients"),
                    ("visits", "Salon visits (all kinds)"),
                    ("visits_walk_in", "Walk-in visits"),
                    ("visits_reserved", "Reserved visits attended"),
                    ("visits_outreach", "Outreach contacts (声かけ)"),
                    ("repeat_visit_rate", "Repeat-visit rate (%)"),
                    ("no_show_rate", "No-show rate (%)"),
                    ("engagements_active", "Engagements active"),
                    ("engagements_completed", "Engagements completed"),
                    ("reflection_rate", "Reflection completion rate (%)"),
                    ("events_held", "Group events held"),
                    ("event_headcount", "Group event headcount"),
                    ("satisfaction_mean", "Satisfaction (mean of 1–5)"),
                    ("satisfied_rate", "Satisfied (4 or 5 of 5) share (%)"),
                    ("nps", "NPS"),
                ],
                default="sessions_held",
                max_length=32,
                verbose_name="KPI measured",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="target",
            name="kind",
            field=models.CharField(
                choices=[("output", "Output"), ("outcome", "Outcome")],
                default="output",
                max_length=10,
                verbose_name="output or outcome",
            ),
        ),
        migrations.AlterField(
            model_name="target",
            name="target_value",
            field=models.PositiveIntegerField(
                validators=[MinValueValidator(1)], verbose_name="target value"
            ),
        ),
        migrations.AddField(
            model_name="program",
            name="suppression_threshold",
            field=models.PositiveSmallIntegerField(
                default=5,
                validators=[MinValueValidator(1)],
                verbose_name="smallest count shown to viewers and partners",
            ),
        ),
        migrations.RunPython(fill_targets, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.CheckConstraint(
                condition=models.Q(target_value__gt=0), name="programs_target_value_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="program",
            constraint=models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=1),
                name="programs_program_suppression_threshold",
            ),
        ),
    ]
