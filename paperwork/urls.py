"""URLs of the paperwork pages: plans, adjustments, inspections and the rest."""

from .views import adjustments, inspections, plans, work_info

app_name = "paperwork"

urlpatterns = [
    *plans.urlpatterns,
    *adjustments.urlpatterns,
    *inspections.urlpatterns,
    *work_info.urlpatterns,
]
