from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "custodiet.reports"
    label = "reports"
    verbose_name = "Reports"
