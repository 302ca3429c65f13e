"""Each project's criteria met, as the start rule judges its records, stored on the project."""

from collections import defaultdict
from typing import Any

from django.db import migrations, models

from projects.rules.start import StartInput, agrees, start_status, stored_criteria


def store_criteria_met(apps: Any, schema_editor: Any) -> None:
    """Judge every project's records with the start rule (pure, so safe to call from here)."""
    Project = apps.get_model("projects", "Project")
    Household = apps.get_model("projects", "Household")
    StartCriterion = apps.get_model("projects", "StartCriterion")
    agree_dates: dict[int, list[Any]] = defaultdict(list)
    for project_id, plan, management, answered_on in Household.objects.values_list(
        "project_id", "plan_opinion", "management_opinion", "answered_on"
    ).iterator():
        if agrees(plan_opinion=plan, management_opinion=management):
            agree_dates[project_id].append(answered_on)
    criteria: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in StartCriterion.objects.all().iterator():
        criteria[row.project_id][row.criterion] = row
    changed = []
    for project in Project.objects.select_related("plan_year").iterator():
        records = criteria[project.id]

        def met_on(key: str, records: dict[str, Any] = records) -> Any:
            return records[key].met_on if key in records else None

        structures = records.get("structures_cleared")
        status = start_status(
            StartInput(
                applies=project.kind == "new",
                households=project.households,
                agree_dates=tuple(agree_dates[project.id]),
                consent_percent=project.plan_year.consent_percent,
                structures_cleared_on=met_on("structures_cleared"),
                no_structures=bool(structures and structures.no_structures),
                structures_confirmed_by=structures.confirmed_by if structures else "",
                design_posted_on=met_on("design_posted"),
                contractor=project.contractor,
                contract_signed_on=met_on("contract_signed"),
                on_site_on=met_on("on_site"),
                evidenced=frozenset(k for k, row in records.items() if row.evidence),
            )
        )
        project.criteria_met = stored_criteria(status)
        changed.append(project)
    Project.objects.bulk_update(changed, ["criteria_met"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0011_plan_year_subsidised_units"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="criteria_met",
            field=models.JSONField(
                blank=True,
                db_default={},
                default=dict,
                editable=False,
                verbose_name="已满足的开工条件",
            ),
        ),
        migrations.RunPython(store_criteria_met, migrations.RunPython.noop),
    ]
