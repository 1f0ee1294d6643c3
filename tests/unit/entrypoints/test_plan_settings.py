"""The plans' limits from TICKETBASE_PLAN_<PLAN>_<LIMIT>: documented defaults, ``null`` for
unlimited, a bad value refused at start naming the plan."""

from __future__ import annotations

import pytest

from ticketbase.domain.subscriptions.plan import DEFAULT_LIMITS, PlanName
from ticketbase.entrypoints.container import plan_catalog
from ticketbase.entrypoints.settings import Settings, SettingsError


def test_the_defaults_are_the_documented_ones() -> None:
    assert plan_catalog(Settings.from_env({}, dotenv=None)).limits == DEFAULT_LIMITS


def test_a_limit_is_set_or_lifted_by_its_variable() -> None:
    settings = Settings.from_env(
        {"TICKETBASE_PLAN_FREE_SEATS": "7", "TICKETBASE_PLAN_PRO_ORDERS_PER_MONTH": "null"},
        dotenv=None,
    )
    catalog = plan_catalog(settings)
    assert catalog[PlanName.FREE].seats == 7
    assert catalog[PlanName.PRO].orders_per_month is None
    assert catalog[PlanName.PRO].seats == DEFAULT_LIMITS[PlanName.PRO].seats


def test_a_negative_limit_or_no_request_rate_does_not_start() -> None:
    with pytest.raises(SettingsError, match="TICKETBASE_PLAN_PRO_"):
        plan_catalog(Settings.from_env({"TICKETBASE_PLAN_PRO_SEATS": "-1"}, dotenv=None))
    with pytest.raises(SettingsError, match="TICKETBASE_PLAN_FREE_"):
        plan_catalog(
            Settings.from_env({"TICKETBASE_PLAN_FREE_API_REQUESTS_PER_MINUTE": "0"}, dotenv=None)
        )
