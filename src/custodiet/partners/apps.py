from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "custodiet.partners"
    label = "partners"
    verbose_name = "Partners"
