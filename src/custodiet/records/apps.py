from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "custodiet.records"
    label = "records"
    verbose_name = "Request record"
