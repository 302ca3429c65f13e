"""URLs of the city office's dashboards and target maintenance."""

from django.urls import path

from . import (
    notice_views,
    plan_year_views,
    report_views,
    residents,
    rollover_views,
    target_views,
    views,
)

app_name = "reporting"

urlpatterns = [
    path("", views.city_overview, name="overview"),
    path("units/<int:pk>/", views.unit_dashboard, name="unit"),
    path("targets/", target_views.target_list, name="targets"),
    path("residents/export/", residents.residents_export, name="residents_export"),
    path("targets/<int:pk>/", target_views.target_edit, name="target_edit"),
    path("targets/trial-months/", target_views.trial_months, name="trial_months"),
    path("plan-years/", plan_year_views.plan_year_list, name="plan_years"),
    path("plan-years/new/", plan_year_views.plan_year_new, name="plan_year_new"),
    path("plan-years/<int:year>/", plan_year_views.plan_year_detail, name="plan_year_detail"),
    path("plan-years/<int:year>/edit/", plan_year_views.plan_year_edit, name="plan_year_edit"),
    path("plan-years/<int:year>/open/", plan_year_views.plan_year_open, name="plan_year_open"),
    path("reports/", report_views.report_index, name="reports"),
    path("reports/<int:unit_id>/<int:month>/", report_views.report_month, name="report_month"),
    path(
        "reports/<int:unit_id>/<int:month>/export.xlsx",
        report_views.unit_month_export,
        name="unit_month_export",
    ),
    path(
        "reports/city/<int:month>/export.xlsx",
        report_views.city_month_export,
        name="city_month_export",
    ),
    path("reports/assessment.xlsx", report_views.assessment_export, name="assessment_export"),
    path("reports/versions/<int:pk>/act/", report_views.report_act, name="report_act"),
    path("reports/versions/<int:pk>/stamp/", report_views.report_stamp, name="report_stamp"),
    path("reports/flags/", report_views.flag_list, name="flags"),
    path("reports/flags/check/", report_views.flags_check, name="flags_check"),
    path("reports/flags/<int:pk>/rule/", report_views.flag_rule, name="flag_rule"),
    path("reports/assessment/", report_views.assessment, name="assessment"),
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/draft.docx", notice_views.notice_docx_download, name="notice_docx"),
    path("notices/record/", notice_views.notice_record, name="notice_record"),
    path("notices/<int:pk>/scan/", notice_views.notice_scan, name="notice_scan"),
    path(
        "plan-years/<int:year>/rollover/",
        rollover_views.plan_year_rollover,
        name="plan_year_rollover",
    ),
    path(
        "targets/carryover/<int:pk>/assign/",
        target_views.carryover_assign,
        name="carryover_assign",
    ),
]
