"""Keys of personal data are checked before serving: a typo stops start-up, naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketbase.adapters.security.field_cipher import generate_key
from ticketbase.entrypoints.container import check_settings
from ticketbase.entrypoints.settings import Settings, SettingsError


def test_configured_keys_that_parse_pass_and_unset_ones_are_generated_later() -> None:
    check_settings(Settings(encryption_keys=(generate_key(), generate_key())))
    check_settings(Settings(privacy_hash_key="p" * 32))
    check_settings(Settings())


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"encryption_keys": ("not-a-key",)}, "TICKETBASE_ENCRYPTION_KEYS"),
        ({"encryption_keys": (generate_key(), "A" * 22)}, "TICKETBASE_ENCRYPTION_KEYS"),
        ({"privacy_hash_key": "short"}, "TICKETBASE_PRIVACY_HASH_KEY"),
    ],
)
def test_a_bad_key_stops_start_up_naming_it(changes: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        check_settings(Settings(**changes))  # type: ignore[arg-type]


def test_the_keys_are_a_comma_list_newest_first(tmp_path: Path) -> None:
    new, old = generate_key(), generate_key()
    settings = Settings.from_env(
        {"TICKETBASE_ENCRYPTION_KEYS": f"{new}, {old}"}, dotenv=tmp_path / "absent.env"
    )
    assert settings.encryption_keys == (new, old)
