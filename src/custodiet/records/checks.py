"""Start-up checks of the deployment's settings against its policy pack."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning as CheckWarning

from custodiet.policy.packs import PackError, get_pack


def time_zone_matches_the_pack(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """The law in force is chosen by the date in the pack's time zone; pages, reminders and
    the monitor use CUSTODIET_TIME_ZONE. If they differ, a day means two things."""
    try:
        pack = get_pack(settings.CUSTODIET_POLICY_PACK)
    except PackError as error:
        return [CheckWarning(str(error), id="custodiet.W002")]
    if pack.time_zone and pack.time_zone != settings.TIME_ZONE:
        return [
            CheckWarning(
                f"CUSTODIET_TIME_ZONE is {settings.TIME_ZONE}, but the {pack.id} pack decides "
                f"by the date in {pack.time_zone}",
                hint=f"set CUSTODIET_TIME_ZONE={pack.time_zone}, so that pages, reminders and "
                "the monitor count days as the law does",
                id="custodiet.W001",
            )
        ]
    return []
