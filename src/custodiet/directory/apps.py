from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "custodiet.directory"
    label = "directory"
    verbose_name = "Agency directory"
