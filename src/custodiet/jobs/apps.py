from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "custodiet.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
