"""URLs of the portal's pages for units and the city office (the admin has its own). The home page,
a dashboard, is routed in zmd_renovation/urls.py: the core app imports nothing from reporting."""

from django.urls import path

from . import spreadsheet_views, views, views_jobs, views_notifications, views_records

urlpatterns = [
    path("templates/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path(
        "projects/export.xlsx",
        spreadsheet_views.project_list_download,
        name="project_list_download",
    ),
    path("projects/import/", spreadsheet_views.project_import, name="project_import"),
    path(
        "projects/import/cancel/",
        spreadsheet_views.project_import_cancel,
        name="project_import_cancel",
    ),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/history/", views.project_history, name="project_history"),
    path(
        "projects/<int:pk>/criteria/<str:criterion>/",
        views.criterion_edit,
        name="criterion_edit",
    ),
    path(
        "projects/<int:pk>/criteria/<str:criterion>/evidence/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("projects/<int:pk>/households/", views.household_list, name="household_list"),
    path("projects/<int:pk>/households/new/", views.household_create, name="household_create"),
    path(
        "projects/<int:pk>/households/export.xlsx",
        spreadsheet_views.household_list_download,
        name="household_list_download",
    ),
    path("projects/<int:pk>/households/import/", views.household_import, name="household_import"),
    path(
        "projects/<int:pk>/households/import/cancel/",
        views.household_import_cancel,
        name="household_import_cancel",
    ),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
    *views_records.urlpatterns,
    path("jobs/", views_jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views_jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views_jobs.job_download, name="job_download"),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
]
