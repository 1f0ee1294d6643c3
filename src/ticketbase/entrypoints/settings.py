"""One typed settings object, read once from ``TICKETBASE_*`` variables (and an optional ``.env``).

Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

import msgspec
from dotenv import dotenv_values

PREFIX = "TICKETBASE_"


class SettingsError(Exception):
    """A configuration that must not start; the message names the setting."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: Literal["development", "production"] = "development"
    data_dir: Path = Path(".data")
    database_url: str | None = None
    migration_database_url: str | None = None
    database_pool_size: int = 10
    database_max_overflow: int = 10
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "TicketBase <no-reply@ticketbase.localhost>"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    base_domain: str = "ticketbase.localhost"
    jwt_secret: str | None = None
    jwt_previous_secrets: tuple[str, ...] = ()
    jwt_issuer: str = "ticketbase"
    jwt_audience: str = "ticketbase-api"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 64 * 1024
    password_hash_concurrency: int = 2
    rate_limit_login: str = "5/15m"
    rate_limit_login_ip: str = "20/15m"
    rate_limit_auth: str = "30/1m"
    admin_app_url: str = "http://localhost:5173"
    public_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 1024 * 1024
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    worker_purge_interval_seconds: int = 3600
    worker_outbox_interval_seconds: float = 1.0
    worker_outbox_batch_size: int = 10
    worker_outbox_max_attempts: int = 20
    worker_outbox_lease_seconds: float = 120.0
    worker_outbox_handler_timeout_seconds: float = 10.0
    worker_hold_expiry_interval_seconds: float = 10.0
    worker_hold_expiry_batch_size: int = 100
    realtime_queue_size: int = 256
    realtime_ping_interval_seconds: float = 25.0
    realtime_pong_timeout_seconds: float = 20.0
    realtime_send_timeout_seconds: float = 10.0
    ticket_signing_keys: tuple[str, ...] = ()
    privacy_hash_key: str | None = None
    encryption_keys: tuple[str, ...] = ()
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str = "https://api.stripe.com"
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_bucket: str = "ticketbase-assets"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_path_style: bool = False
    s3_create_bucket: bool = False
    asset_max_file_bytes: int = 100 * 1024 * 1024
    # Plan limits (domain/subscriptions/plan.py); ``null`` = unlimited.
    plan_free_seats: int | None = 3
    plan_free_published_events: int | None = 3
    plan_free_orders_per_month: int | None = 500
    plan_free_storage_bytes: int | None = 1024**3
    plan_free_api_requests_per_minute: int | None = 600
    plan_pro_seats: int | None = 25
    plan_pro_published_events: int | None = 100
    plan_pro_orders_per_month: int | None = 50_000
    plan_pro_storage_bytes: int | None = 50 * 1024**3
    plan_pro_api_requests_per_minute: int | None = 6_000
    plan_enterprise_seats: int | None = None
    plan_enterprise_published_events: int | None = None
    plan_enterprise_orders_per_month: int | None = None
    plan_enterprise_storage_bytes: int | None = 1024 * 1024**3
    plan_enterprise_api_requests_per_minute: int | None = 60_000
    billing_provider: Literal["manual", "stripe"] = "manual"
    stripe_price_pro: str | None = None
    stripe_price_enterprise: str | None = None
    asset_upload_url_ttl_seconds: int = 900
    asset_download_url_ttl_seconds: int = 300
    plugin_server_url: str | None = None
    plugin_server_secret: str | None = None
    plugin_server_connect_timeout_seconds: float = 2.0
    plugin_server_read_timeout_seconds: float = 10.0
    plugin_server_max_response_bytes: int = 10 * 1024 * 1024
    plugin_server_max_attempts: int = 3
    plugin_server_failure_threshold: int = 5
    plugin_server_open_seconds: float = 30.0
    plugin_webhook_tolerance_seconds: int = 300
    plugin_metrics_max_tenants: int = 100
    metrics_enabled: bool = True
    docs_enabled: bool = True

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, *, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Settings from ``environ`` (default: the process environment) over ``.env``."""
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        known = {f.name for f in fields(cls)}
        raw: dict[str, Any] = {}
        for key, value in values.items():
            if not key.startswith(PREFIX):
                continue
            name = key.removeprefix(PREFIX).lower()
            if name in known:
                raw[name] = _split(value) if name in _LISTS else value
        try:
            return msgspec.convert(raw, cls, strict=False, dec_hook=_decode)
        except msgspec.ValidationError as error:
            message = str(error)
            field = message.rpartition("$.")[2].split(".")[0].split("[")[0]
            raise SettingsError(f"invalid {PREFIX}{field.upper()}: {message}") from error

    def check_production(self) -> None:
        """Refuse development defaults when ``TICKETBASE_ENV=production``."""
        if self.env != "production":
            return
        missing = []
        if not self.database_url:
            missing.append("TICKETBASE_DATABASE_URL (the embedded database is for development)")
        if not self.jwt_secret:
            missing.append("TICKETBASE_JWT_SECRET (a generated secret is for development)")
        elif len(self.jwt_secret) < 32:
            missing.append("TICKETBASE_JWT_SECRET of at least 32 characters")
        if not self.smtp_host:
            missing.append("TICKETBASE_SMTP_HOST (the .eml mailbox is for development)")
        if self.workers > 1 and not self.redis_url:
            missing.append("TICKETBASE_REDIS_URL (in-process cache and limits need one worker)")
        if not self.ticket_signing_keys:
            missing.append("TICKETBASE_TICKET_SIGNING_KEYS (a generated key is for development)")
        if len(self.privacy_hash_key or "") < 32:
            missing.append("TICKETBASE_PRIVACY_HASH_KEY of at least 32 characters")
        if not self.encryption_keys:
            missing.append("TICKETBASE_ENCRYPTION_KEYS (a generated key is for development)")
        if self.plugin_server_url and len(self.plugin_server_secret or "") < 32:
            missing.append("TICKETBASE_PLUGIN_SERVER_SECRET of at least 32 characters")
        if self.stripe_secret_key and not self.stripe_webhook_secret:
            missing.append("TICKETBASE_STRIPE_WEBHOOK_SECRET (card payments need their webhook)")
        if missing:
            raise SettingsError("production refuses to start without " + "; ".join(missing))

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    def with_development_secrets(self) -> Settings:
        """Fill unset secrets from a file generated once in the data directory.

        The file is created exclusively (``O_EXCL``): when several server workers start at
        once, exactly one writes it and all of them read the same secret."""
        if self.jwt_secret:
            return self
        path = self.data_dir / "secrets.json"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            generated = json.dumps({"jwt_secret": secrets.token_urlsafe(48)}).encode()
            temporary = path.with_name(f".secrets-{secrets.token_hex(8)}.json")
            temporary.write_bytes(generated)
            temporary.chmod(0o600)
            try:
                os.link(temporary, path)  # atomic, and fails if another process won the race
            except FileExistsError:
                pass
            finally:
                temporary.unlink()
        stored: dict[str, str] = json.loads(path.read_text())
        return replace(self, jwt_secret=stored["jwt_secret"])

    def export_database_url(self, url: str) -> Settings:
        """Hand the embedded database's URL to server worker processes (they read the env)."""
        os.environ[PREFIX + "DATABASE_URL"] = url
        return replace(self, database_url=url)


def _decode(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(kind)


_LISTS = {"jwt_previous_secrets", "cors_origins", "ticket_signing_keys", "encryption_keys"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
