from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """The programme's facts and rules."""

    name = "projects"
    verbose_name = "改造项目"
