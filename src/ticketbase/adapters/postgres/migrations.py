"""Apply the alembic migrations (in ``migrations/`` at the project root) as the schema owner."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS = Path(__file__).resolve().parents[4] / "migrations"


def alembic_config(owner_url: URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = owner_url.render_as_string(hide_password=False)
    return config


def upgrade(owner_url: URL, revision: str = "head") -> None:
    command.upgrade(alembic_config(owner_url), revision)


def downgrade(owner_url: URL, revision: str) -> None:
    command.downgrade(alembic_config(owner_url), revision)
