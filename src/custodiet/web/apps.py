from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "custodiet.web"
    label = "web"
    verbose_name = "Custodiet"
