from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "custodiet.oversight"
    label = "oversight"
    verbose_name = "Governor's office"
