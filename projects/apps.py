from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """The programme's facts and rules."""

    name = "projects"
    verbose_name = "改造项目"

    def ready(self) -> None:
        from .reasons import register
        from .worklist import project_worklist, register_worklist_provider

        register()
        register_worklist_provider(project_worklist)

        from .import_jobs import register as register_jobs

        register_jobs()
