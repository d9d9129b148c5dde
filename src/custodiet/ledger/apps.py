from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "custodiet.ledger"
    label = "ledger"
    verbose_name = "Ledger"
