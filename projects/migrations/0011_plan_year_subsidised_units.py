from django.db import migrations, models

# SPEC §4 as the code held it until now (project_checks.CITY_SUBSIDY_UNITS): 市级补助 only for these.
SUBSIDISED_2022 = ("驿城区", "经济开发区")


def subsidise_2022(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The 2022 plan year's subsidised units, as the code constant named them."""
    PlanYear = apps.get_model("projects", "PlanYear")
    Unit = apps.get_model("projects", "Unit")
    for plan_year in PlanYear.objects.filter(year=2022):
        plan_year.subsidised_units.add(*Unit.objects.filter(name__in=SUBSIDISED_2022))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_milestone_name_free_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="planyear",
            name="subsidised_units",
            field=models.ManyToManyField(
                blank=True,
                help_text="只有这些区县的项目可有市级补助",
                related_name="subsidised_plan_years",
                to="projects.unit",
                verbose_name="市级补助区县",
            ),
        ),
        migrations.RunPython(subsidise_2022, migrations.RunPython.noop),
    ]
