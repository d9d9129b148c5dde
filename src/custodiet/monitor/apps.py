from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "custodiet.monitor"
    label = "monitor"
    verbose_name = "Database-access monitor"
