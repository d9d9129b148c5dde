from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "custodiet.reminders"
    label = "reminders"
    verbose_name = "Reminders"
