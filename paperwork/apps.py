from django.apps import AppConfig


class PaperworkConfig(AppConfig):
    """The programme's documents and checks: implementation and renovation plans, plan
    adjustments, inspections, rectifications, complaints, follow-up visits and warranties."""

    name = "paperwork"
    verbose_name = "计划与检查"

    def ready(self) -> None:
        from projects.worklist import register_worklist_provider

        from .worklist import paperwork_worklist

        register_worklist_provider(paperwork_worklist)
