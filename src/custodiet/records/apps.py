from django.apps import AppConfig
from django.core import checks


class RecordsConfig(AppConfig):
    name = "custodiet.records"
    label = "records"
    verbose_name = "Request record"

    def ready(self) -> None:
        from custodiet.records.checks import time_zone_matches_the_pack

        checks.register(time_zone_matches_the_pack)
