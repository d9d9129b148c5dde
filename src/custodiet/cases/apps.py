from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "custodiet.cases"
    label = "cases"
    verbose_name = "Cases"
