from django.apps import AppConfig


class PaperworkConfig(AppConfig):
    """The programme's documents and checks: implementation and renovation plans, plan
    adjustments, inspections, rectifications, complaints, follow-up visits and warranties."""

    name = "paperwork"
    verbose_name = "计划与检查"
