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

        # projects/ asks for the renovation plans' consultation dates through this provider, since
        # it may not import paperwork/ (the consultation warnings of SPEC §4).
        from projects.selectors import consultation_dates_provider_set

        from .selectors.overview import consultation_dates_by_project

        consultation_dates_provider_set(consultation_dates_by_project)
