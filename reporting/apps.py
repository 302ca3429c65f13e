from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Dashboards, monthly reports, approval, assessment and Excel export."""

    name = "reporting"
    verbose_name = "统计报送"
