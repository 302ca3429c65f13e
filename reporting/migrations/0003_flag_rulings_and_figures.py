"""Flags raised before flags had an identity: "upheld" becomes 认定瞒报 (the only meaning it had in
the assessment), each flag's figure is read from its detail, and of several open flags on the same
report, kind and figure the latest stays open and the others lapse, so that the constraint of
0004 (one open flag per figure) holds."""

from typing import Any

from django.db import migrations
from django.utils import timezone

# The labels the flags' details began with (projects.rules.reports.CUMULATIVE_FIGURES, copied:
# a migration keeps the meaning it had when written).
LABELS = {
    "新开工项目累计开工户数": "new_started",
    "新开工项目累计完工户数": "new_completed",
    "续建项目累计完工户数": "carryover_completed",
    "累计开工项目数": "projects_started",
    "累计完工项目数": "projects_completed",
}


def figure_of(detail: str) -> str:
    """The figure key a flag's detail names, or "" when it names none."""
    return next((key for label, key in LABELS.items() if detail.startswith(label)), "")


def forwards(apps: Any, schema_editor: Any) -> None:
    for name in ("ReportFlag", "HistoricalReportFlag"):
        apps.get_model("reporting", name).objects.filter(ruling="upheld").update(ruling="concealed")
    flag_model = apps.get_model("reporting", "ReportFlag")
    kept: set[tuple[int, str, str]] = set()
    for flag in flag_model.objects.order_by("-raised_at", "-id"):
        flag.figure = figure_of(flag.detail)
        fields = ["figure"]
        key = (flag.report_id, flag.kind, flag.figure)
        if flag.ruling == "open":
            if key in kept:
                flag.ruling, flag.ruled_at = "lapsed", timezone.now()
                flag.ruling_reason = "与同一数据项的疑点重复，已合并"
                fields += ["ruling", "ruled_at", "ruling_reason"]
            kept.add(key)
        flag.save(update_fields=fields)


def backwards(apps: Any, schema_editor: Any) -> None:
    for name in ("ReportFlag", "HistoricalReportFlag"):
        model = apps.get_model("reporting", name)
        model.objects.filter(ruling__in=["concealed", "wrong"]).update(ruling="upheld")
        model.objects.filter(ruling="lapsed").update(ruling="dismissed")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_flag_identity_rulings_send_back"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
