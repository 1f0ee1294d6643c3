"""The worker's outbox settings: parsed from the environment, checked before the worker starts."""

from __future__ import annotations

import pytest

from ticketbase.entrypoints.container import check_settings, delivery_policy
from ticketbase.entrypoints.settings import Settings, SettingsError


def test_the_outbox_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TICKETBASE_WORKER_OUTBOX_INTERVAL_SECONDS": "0.5",
            "TICKETBASE_WORKER_OUTBOX_BATCH_SIZE": "4",
            "TICKETBASE_WORKER_OUTBOX_MAX_ATTEMPTS": "7",
        },
        dotenv=None,
    )
    assert settings.worker_outbox_interval_seconds == 0.5
    policy = delivery_policy(settings)
    assert (policy.batch_size, policy.max_attempts) == (4, 7)
    assert Settings().worker_outbox_interval_seconds == 1.0


@pytest.mark.parametrize(
    "variable", ["TICKETBASE_WORKER_OUTBOX_BATCH_SIZE", "TICKETBASE_WORKER_OUTBOX_MAX_ATTEMPTS"]
)
def test_a_batch_or_attempts_below_one_stop_start_up(variable: str) -> None:
    settings = Settings.from_env({variable: "0"}, dotenv=None)
    with pytest.raises(SettingsError, match="TICKETBASE_WORKER_OUTBOX"):
        check_settings(settings)


def test_a_batch_too_large_for_the_lease_stops_start_up() -> None:
    settings = Settings.from_env({"TICKETBASE_WORKER_OUTBOX_BATCH_SIZE": "500"}, dotenv=None)
    with pytest.raises(SettingsError, match="lease"):
        check_settings(settings)
