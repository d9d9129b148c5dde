from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "custodiet.accounts"
    label = "accounts"
    verbose_name = "People and roles"
