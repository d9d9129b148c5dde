from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "custodiet.api"
    label = "api"
    verbose_name = "JSON API"
