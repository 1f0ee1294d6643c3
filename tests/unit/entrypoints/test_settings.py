"""Settings: parsed once from TICKETBASE_* variables and .env; production refuses dev defaults."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ticketbase.entrypoints.settings import Settings, SettingsError

GOOD_SECRET = "s" * 32


def from_env(environ: dict[str, str], dotenv: Path | None = None) -> Settings:
    return Settings.from_env(environ, dotenv=dotenv)


class TestFromEnv:
    def test_no_variables_give_the_development_defaults(self) -> None:
        settings = from_env({})
        assert settings == Settings()
        assert settings.env == "development"
        assert settings.port == 8000
        assert settings.workers == 1
        assert settings.data_dir == Path(".data")
        assert settings.uses_embedded_database

    def test_parses_ints_bools_paths_and_strings(self) -> None:
        settings = from_env(
            {
                "TICKETBASE_PORT": "9001",
                "TICKETBASE_WORKERS": "4",
                "TICKETBASE_METRICS_ENABLED": "false",
                "TICKETBASE_DOCS_ENABLED": "0",
                "TICKETBASE_DATA_DIR": "/var/lib/ticketbase",
                "TICKETBASE_BASE_DOMAIN": "tickets.example.com",
                "TICKETBASE_DATABASE_URL": "postgresql://app@db/ticketbase",
                "TICKETBASE_ENV": "production",
                "TICKETBASE_LOG_FORMAT": "json",
            }
        )
        assert settings.port == 9001
        assert settings.workers == 4
        assert settings.metrics_enabled is False
        assert settings.docs_enabled is False
        assert settings.data_dir == Path("/var/lib/ticketbase")
        assert isinstance(settings.data_dir, Path)
        assert settings.base_domain == "tickets.example.com"
        assert settings.database_url == "postgresql://app@db/ticketbase"
        assert settings.env == "production"
        assert settings.log_format == "json"
        assert not settings.uses_embedded_database

    @pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("false", False)])
    def test_bools_accept_the_usual_spellings(self, raw: str, expected: bool) -> None:
        settings = from_env({"TICKETBASE_METRICS_ENABLED": raw, "TICKETBASE_DOCS_ENABLED": raw})
        assert settings.metrics_enabled is expected
        assert settings.docs_enabled is expected

    def test_comma_lists_are_split_trimmed_and_empty_parts_dropped(self) -> None:
        settings = from_env(
            {
                "TICKETBASE_CORS_ORIGINS": " https://a.example , https://b.example,, ",
                "TICKETBASE_JWT_PREVIOUS_SECRETS": "old-one,older-one",
            }
        )
        assert settings.cors_origins == ("https://a.example", "https://b.example")
        assert settings.jwt_previous_secrets == ("old-one", "older-one")

    def test_a_single_list_value_is_a_one_element_tuple(self) -> None:
        assert from_env({"TICKETBASE_CORS_ORIGINS": "https://a.example"}).cors_origins == (
            "https://a.example",
        )

    def test_ignores_foreign_and_unknown_variables(self) -> None:
        settings = from_env({"PORT": "1", "TICKETBASE_NO_SUCH_SETTING": "x", "HOME": "/root"})
        assert settings == Settings()

    def test_reads_a_dotenv_file_and_the_environment_wins(self, tmp_path: Path) -> None:
        dotenv = tmp_path / ".env"
        dotenv.write_text(
            "TICKETBASE_PORT=9000\n"
            "TICKETBASE_HOST=0.0.0.0\n"
            "# a comment\n"
            "TICKETBASE_CORS_ORIGINS=https://x.example,https://y.example\n"
        )
        settings = from_env({"TICKETBASE_PORT": "9100"}, dotenv)
        assert settings.port == 9100
        assert settings.host == "0.0.0.0"
        assert settings.cors_origins == ("https://x.example", "https://y.example")

    def test_a_missing_dotenv_file_is_not_an_error(self, tmp_path: Path) -> None:
        assert from_env({"TICKETBASE_PORT": "9200"}, tmp_path / "absent.env").port == 9200

    def test_reads_the_process_environment_by_default(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("TICKETBASE_PORT", "8123")
        assert Settings.from_env(dotenv=tmp_path / "absent.env").port == 8123

    @pytest.mark.parametrize(
        ("variable", "value", "field"),
        [
            ("TICKETBASE_PORT", "eighty", "port"),
            ("TICKETBASE_WORKERS", "1.5", "workers"),
            ("TICKETBASE_ENV", "staging", "env"),
            ("TICKETBASE_METRICS_ENABLED", "maybe", "metrics_enabled"),
            ("TICKETBASE_LOG_FORMAT", "xml", "log_format"),
        ],
    )
    def test_an_invalid_value_is_a_settings_error_naming_the_field(
        self, variable: str, value: str, field: str
    ) -> None:
        with pytest.raises(SettingsError) as caught:
            from_env({variable: value})
        assert field in str(caught.value)


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "production",
        "database_url": "postgresql://app@db/ticketbase",
        "jwt_secret": GOOD_SECRET,
        "smtp_host": "smtp.example.com",
        "workers": 1,
        "ticket_signing_keys": ("a-key",),
        "privacy_hash_key": GOOD_SECRET,
        "encryption_keys": ("a-key",),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class TestCheckProduction:
    def test_development_starts_on_every_default(self) -> None:
        Settings(workers=8).check_production()

    def test_a_complete_production_configuration_starts(self) -> None:
        production().check_production()
        production(workers=4, redis_url="redis://cache:6379/0").check_production()

    @pytest.mark.parametrize(
        ("overrides", "named"),
        [
            ({"database_url": None}, "TICKETBASE_DATABASE_URL"),
            ({"jwt_secret": None}, "TICKETBASE_JWT_SECRET"),
            ({"jwt_secret": ""}, "TICKETBASE_JWT_SECRET"),
            ({"jwt_secret": "s" * 31}, "TICKETBASE_JWT_SECRET of at least 32"),
            ({"workers": 2}, "TICKETBASE_REDIS_URL"),
            ({"smtp_host": None}, "TICKETBASE_SMTP_HOST"),
            ({"ticket_signing_keys": ()}, "TICKETBASE_TICKET_SIGNING_KEYS"),
            ({"privacy_hash_key": None}, "TICKETBASE_PRIVACY_HASH_KEY"),
            ({"encryption_keys": ()}, "TICKETBASE_ENCRYPTION_KEYS"),
            ({"privacy_hash_key": "k" * 31}, "TICKETBASE_PRIVACY_HASH_KEY of at least 32"),
            ({"stripe_secret_key": "sk_live_x"}, "TICKETBASE_STRIPE_WEBHOOK_SECRET"),
        ],
    )
    def test_refuses_a_development_default_and_names_it(
        self, overrides: dict[str, object], named: str
    ) -> None:
        with pytest.raises(SettingsError) as caught:
            production(**overrides).check_production()
        assert named in str(caught.value)

    def test_names_every_missing_setting_at_once(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings(env="production", workers=3).check_production()
        message = str(caught.value)
        for name in ("TICKETBASE_DATABASE_URL", "TICKETBASE_JWT_SECRET", "TICKETBASE_REDIS_URL"):
            assert name in message

    def test_does_not_name_what_is_configured(self) -> None:
        with pytest.raises(SettingsError) as caught:
            production(database_url=None).check_production()
        assert "TICKETBASE_JWT_SECRET" not in str(caught.value)
        assert "TICKETBASE_REDIS_URL" not in str(caught.value)

    def test_from_env_then_check_production(self) -> None:
        settings = from_env({"TICKETBASE_ENV": "production", "TICKETBASE_JWT_SECRET": GOOD_SECRET})
        with pytest.raises(SettingsError, match="TICKETBASE_DATABASE_URL"):
            settings.check_production()


class TestDevelopmentSecrets:
    def test_generates_a_secret_once_and_reuses_it(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "fresh" / "data"
        first = Settings(data_dir=data_dir).with_development_secrets()
        second = Settings(data_dir=data_dir).with_development_secrets()

        assert first.jwt_secret is not None
        assert len(first.jwt_secret) >= 32
        assert second.jwt_secret == first.jwt_secret
        secrets_file = data_dir / "secrets.json"
        assert first.jwt_secret in secrets_file.read_text()
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600

    def test_another_data_dir_gets_another_secret(self, tmp_path: Path) -> None:
        one = Settings(data_dir=tmp_path / "one").with_development_secrets()
        two = Settings(data_dir=tmp_path / "two").with_development_secrets()
        assert one.jwt_secret != two.jwt_secret

    def test_a_configured_secret_is_kept_and_nothing_is_written(self, tmp_path: Path) -> None:
        settings = Settings(data_dir=tmp_path / "data", jwt_secret=GOOD_SECRET)
        assert settings.with_development_secrets() is settings
        assert not (tmp_path / "data").exists()

    def test_the_generated_secret_passes_the_production_length_rule(self, tmp_path: Path) -> None:
        generated = Settings(data_dir=tmp_path).with_development_secrets().jwt_secret
        production(jwt_secret=generated).check_production()


def test_export_database_url_hands_the_url_to_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TICKETBASE_DATABASE_URL", "placeholder")  # restored after the test
    settings = Settings().export_database_url("postgresql://postgres@/postgres?host=/tmp/x")
    assert settings.database_url == "postgresql://postgres@/postgres?host=/tmp/x"
    assert os.environ["TICKETBASE_DATABASE_URL"] == settings.database_url


def test_workers_starting_together_agree_on_the_generated_secret(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def secret() -> str | None:
        return Settings(data_dir=tmp_path).with_development_secrets().jwt_secret

    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: secret(), range(32)))
    assert len(found) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]
