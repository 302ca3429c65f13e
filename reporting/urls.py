"""URLs of the city office's dashboards and target maintenance."""

from django.urls import path

from . import target_views, views

app_name = "reporting"

urlpatterns = [
    path("", views.city_overview, name="overview"),
    path("units/<int:pk>/", views.unit_dashboard, name="unit"),
    path("targets/", target_views.target_list, name="targets"),
    path("targets/<int:pk>/", target_views.target_edit, name="target_edit"),
    path(
        "targets/carryover/<int:pk>/assign/",
        target_views.carryover_assign,
        name="carryover_assign",
    ),
]
