"""The OpenAPI document as the app serves it at ``/schema/openapi.json``, built without a
database (building the app connects to nothing; only its lifespan does)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from ticketbase.entrypoints.http.app import create_app
from ticketbase.entrypoints.settings import Settings


@cache
def _encoded() -> bytes:
    app = create_app(
        Settings(
            database_url="postgresql://nobody@127.0.0.1:9/unused",
            data_dir=Path(tempfile.gettempdir()) / "ticketbase-openapi",
            jwt_secret="openapi-document-secret-0123456789abcdef",
            log_format="json",
            log_level="WARNING",
        )
    )
    return msgspec.json.encode(app.openapi_schema.to_schema())


def openapi_document() -> dict[str, Any]:
    """A fresh copy each call (JSON types only), safe to change."""
    document: dict[str, Any] = msgspec.json.decode(_encoded())
    return document
