"""Encryption at rest and ``ticketbase rotate-keys`` as a real process, on a database of its own
(the rotation walks every organization): buyers' fields are ciphertexts under the configured
key, a rotation stopped after two batches leaves old and new ciphertexts that the API reads
side by side (and finds by email), a second run finishes (rows from before encryption too),
a third has nothing left, and the old key can then be dropped."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL
from tests.integration.cli.test_serve import _cli, _environment
from tests.integration.conftest import create_database, drop_database
from tests.integration.http.conftest import JWT_SECRET, Tenant, new_tenant, running
from tests.integration.http.test_orders import on_sale
from tests.integration.http.test_privacy import ADA, ALAN, GRACE, paid
from tests.integration.support import raw_dsn

from ticketbase.adapters.postgres import migrations
from ticketbase.adapters.security.field_cipher import FieldCipher, generate_key
from ticketbase.application.privacy.rotate_keys import RotateEncryptionKeys, Rotation
from ticketbase.entrypoints.container import make_container
from ticketbase.entrypoints.http.app import create_app
from ticketbase.entrypoints.settings import Settings

pytestmark = pytest.mark.anyio
OLD, NEW = generate_key(), generate_key()
OLD_KID, NEW_KID = FieldCipher([OLD]).current_kid, FieldCipher([NEW]).current_kid
PRIVACY_KEY = "privacy-hash-key-for-these-tests-0123456789"


@pytest.fixture
def own_database(postgres_server: URL) -> Iterator[URL]:
    url = create_database(postgres_server)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        drop_database(url)


def rotate(url: URL, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = _environment(
        TICKETBASE_DATABASE_URL=url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(data_dir),
        TICKETBASE_ENCRYPTION_KEYS=f"{NEW},{OLD}",
        TICKETBASE_PRIVACY_HASH_KEY=PRIVACY_KEY,
        TICKETBASE_JWT_SECRET=JWT_SECRET,
    )
    done = subprocess.run(
        _cli("rotate-keys", "--batch-size", "2", *args),
        env=env,
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


async def rotate_in_process(url: URL, data_dir: Path) -> Rotation:
    settings = Settings(
        database_url=url.render_as_string(hide_password=False),
        data_dir=data_dir,
        jwt_secret=JWT_SECRET,
        privacy_hash_key=PRIVACY_KEY,
        encryption_keys=(NEW, OLD),
    )
    container = make_container(settings)
    try:
        async with container() as request:
            rotate_keys = await request.get(RotateEncryptionKeys)
            return await rotate_keys(batch_size=2)
    finally:
        await container.close()


async def stored(url: URL) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(raw_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT id::text, buyer_full_name, buyer_email, attendees #>> '{}' AS attendees,"
            " buyer_email_hash FROM orders ORDER BY id"
        )
        return [dict(r) for r in rows]
    finally:
        await connection.close()


async def buyers(client: httpx.AsyncClient, tenant: Tenant, ids: list[str]) -> list[str]:
    names = []
    for order_id in ids:
        read = await client.get(f"/api/orders/{order_id}", headers=tenant.auth())
        assert read.status_code == 200, read.text
        names.append(read.json()["buyer"]["fullName"])
    return names


async def found(client: httpx.AsyncClient, tenant: Tenant, email: str) -> list[str]:
    listed = await client.get("/api/orders", params={"email": email}, headers=tenant.auth())
    assert listed.status_code == 200, listed.text
    return sorted(o["id"] for o in listed.json()["items"])


async def test_an_interrupted_rotation_resumes_while_the_api_reads_both_keys(
    own_database: URL, tmp_path: Path
) -> None:
    base = Settings(
        database_url=own_database.render_as_string(hide_password=False),
        data_dir=tmp_path,
        jwt_secret=JWT_SECRET,
        privacy_hash_key=PRIVACY_KEY,
        log_format="json",
        log_level="WARNING",
        database_pool_size=2,
    )
    before = create_app(replace(base, encryption_keys=(OLD,)))
    async with running(before) as client:
        # Rotated newest organization first: Acme, then Rival.
        rival = await new_tenant(before, "Rival")
        acme = await new_tenant(before)
        acme_event, rival_event = await on_sale(client, acme), await on_sale(client, rival)
        acme_orders = [
            (await paid(client, acme, acme_event, 2, ADA, GRACE))["id"],
            (await paid(client, acme, acme_event, 1, ADA))["id"],
            (await paid(client, acme, acme_event, 1, ALAN))["id"],
        ]
        rival_orders = [(await paid(client, rival, rival_event, 1, ADA))["id"]]
    rows = await stored(own_database)
    assert len(rows) == 4
    for row in rows:
        for column in ("buyer_full_name", "buyer_email", "attendees"):
            assert row[column].startswith(f"enc:v1:{OLD_KID}:"), row
        assert row["buyer_email_hash"] is not None
    at_rest = repr(rows)
    for clear in ("Ada", "Grace", "Alan", "example"):
        assert clear not in at_rest
    # One order from before encryption: in clear, without a hash.
    connection = await asyncpg.connect(raw_dsn(own_database))
    try:
        await connection.execute(
            "UPDATE orders SET buyer_full_name = 'Alan Turing', buyer_email = 'alan@example.org',"
            " attendees = '[]', buyer_email_hash = NULL, attendee_email_hashes = '{}'"
            " WHERE id = $1::uuid",
            acme_orders[2],
        )
    finally:
        await connection.close()

    # Stopped after one batch (two records, oldest first): Acme's first two orders are under
    # the new key, its third still in clear, Rival's under the old key.
    first = rotate(own_database, tmp_path, "--max-batches", "1")
    assert "stopped" in first.stdout
    assert "re-encrypted 2 records in 1 batches" in first.stderr
    states = {r["id"]: r["buyer_email"][:16] for r in await stored(own_database)}
    assert [states[i] for i in acme_orders + rival_orders] == [
        f"enc:v1:{NEW_KID}:",
        f"enc:v1:{NEW_KID}:",
        "alan@example.org"[:16],
        f"enc:v1:{OLD_KID}:",
    ]

    during = create_app(replace(base, encryption_keys=(NEW, OLD)))
    async with running(during) as client:
        assert await buyers(client, acme, acme_orders) == [
            "Ada Lovelace",
            "Ada Lovelace",
            "Alan Turing",
        ]
        assert await buyers(client, rival, rival_orders) == ["Ada Lovelace"]
        assert await found(client, acme, ADA["email"]) == sorted(acme_orders[:2])
        assert await found(client, acme, ALAN["email"]) == [acme_orders[2]]  # the clear one
        assert await found(client, rival, ADA["email"]) == rival_orders
        # Written meanwhile: under the new key.
        acme_orders.append((await paid(client, acme, acme_event, 1, GRACE))["id"])

    # Resumed (in this process: the command's own use case, sparing a second interpreter).
    second = await rotate_in_process(own_database, tmp_path)
    assert second.finished
    # Acme's order in clear and Rival's under the old key; the one written meanwhile is under
    # the new key already and is not taken again, nor are the first run's.
    assert second.rewritten == 2
    rows = await stored(own_database)
    assert len(rows) == 5
    for row in rows:
        for column in ("buyer_full_name", "buyer_email", "attendees"):
            assert row[column].startswith(f"enc:v1:{NEW_KID}:"), row
        assert row["buyer_email_hash"] is not None
    third = await rotate_in_process(own_database, tmp_path)
    assert (third.rewritten, third.finished) == (0, True)

    after = create_app(replace(base, encryption_keys=(NEW,)))
    async with running(after) as client:
        assert await buyers(client, acme, acme_orders) == [
            "Ada Lovelace",
            "Ada Lovelace",
            "Alan Turing",
            "Grace Hopper",
        ]
        assert await found(client, acme, ALAN["email"]) == [acme_orders[2]]
        exported = await client.get(
            "/api/privacy/export", params={"email": GRACE["email"]}, headers=acme.auth()
        )
        assert [o["id"] for o in exported.json()["orders"]] == [
            acme_orders[0],
            acme_orders[3],
        ]
