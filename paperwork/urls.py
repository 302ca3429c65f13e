"""URLs of the paperwork pages: plans, adjustments, inspections and the rest."""

from . import views_adjustments, views_inspections, views_plans, views_work_info

app_name = "paperwork"

urlpatterns = [
    *views_plans.urlpatterns,
    *views_adjustments.urlpatterns,
    *views_inspections.urlpatterns,
    *views_work_info.urlpatterns,
]
