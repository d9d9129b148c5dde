"""The deployment's time zone is checked against the policy pack's at start-up."""

from __future__ import annotations

from custodiet.records.checks import time_zone_matches_the_pack


def test_the_default_deployment_counts_days_in_denver_like_the_pack(settings):
    settings.TIME_ZONE = "America/Denver"
    assert time_zone_matches_the_pack() == []


def test_another_time_zone_is_named_with_the_setting_that_fixes_it(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    [warning] = time_zone_matches_the_pack()
    assert warning.id == "custodiet.W001"
    assert "America/Los_Angeles" in warning.msg and "America/Denver" in warning.msg
    assert "CUSTODIET_TIME_ZONE=America/Denver" in warning.hint


def test_an_unknown_pack_is_named(settings):
    settings.CUSTODIET_POLICY_PACK = "us-zz"
    [warning] = time_zone_matches_the_pack()
    assert "us-zz" in warning.msg
