"""``ticketbase serve`` as a real process: it migrates, serves, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from sqlalchemy.engine import URL
from tests.integration.conftest import embedded_data_dir, free_port

STARTUP_SECONDS = 60


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBASE_")}
    env.update(TICKETBASE_LOG_FORMAT="json", TICKETBASE_LOG_LEVEL="WARNING", **values)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ticketbase.entrypoints.cli", *args]


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[str]:
    port = free_port()
    env = {**env, "TICKETBASE_PORT": str(port)}
    process = subprocess.Popen(_cli("serve"), env=env, cwd=cwd, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
        assert code == 0


def test_serve_against_a_configured_database(database_url: URL, tmp_path: Path) -> None:
    env = _environment(
        TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(tmp_path),
    )
    with serving(env, tmp_path) as base:
        assert httpx.get(f"{base}/docs").status_code == 200
        response = httpx.get(f"{base}/api/organizations/by-domain", params={"domain": "x.y.z"})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


def _postgres_running_in(data_dir: Path) -> bool:
    marker = str((data_dir / "postgres").resolve())
    return any(
        p.info["name"] == "postgres" and marker in " ".join(p.info["cmdline"] or [])
        for p in psutil.process_iter(["name", "cmdline"])
    )


def test_embedded_database_keeps_its_data_and_stops_with_the_server(tmp_path: Path) -> None:
    with embedded_data_dir() as data_dir:
        _serve_twice_on_the_embedded_database(data_dir, tmp_path)


def _serve_twice_on_the_embedded_database(data_dir: Path, tmp_path: Path) -> None:
    env = _environment(TICKETBASE_DATA_DIR=str(data_dir))
    with serving(env, tmp_path) as base:
        assert httpx.get(f"{base}/health/ready").json()["checks"]["database"] == "ok"
    assert not _postgres_running_in(data_dir), "SIGTERM left the embedded PostgreSQL running"

    created = subprocess.run(
        _cli("create-platform-admin", "--email", "ops@example.com", "--password-stdin"),
        input=b"correct horse battery staple\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    assert b"ops@example.com" in created.stdout
    again = subprocess.run(
        _cli("create-platform-admin", "--email", "OPS@example.com", "--password-stdin"),
        input=b"another long passphrase\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    # The same account found again after a restart: the data survived.
    assert created.stdout.split()[-1] == again.stdout.split()[-1]
    assert not _postgres_running_in(data_dir)


def test_sigterm_lets_in_flight_requests_finish(database_url: URL, tmp_path: Path) -> None:
    """Logins hash with argon2 on a small thread pool, so a burst of them is still being
    answered when SIGTERM arrives; every one of them must still get its answer."""
    env = _environment(
        TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(tmp_path),
        TICKETBASE_RATE_LIMIT_AUTH="1000/1m",
    )
    port = free_port()
    env["TICKETBASE_PORT"] = str(port)
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(_cli("serve"), env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        slug = f"drain-{uuid.uuid4().hex[:8]}"
        email = f"{slug}@example.com"
        registered = httpx.post(
            f"{base}/api/auth/register",
            json={
                "organizationName": "Drain",
                "organizationSlug": slug,
                "email": email,
                "password": "correct horse battery staple",
                "fullName": "D Rain",
            },
            timeout=30,
        )
        assert registered.status_code == 201, registered.text

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                body = {"email": email, "password": "correct horse battery staple"}
                pending = [
                    asyncio.create_task(client.post("/api/auth/login", json=body))
                    for _ in range(12)
                ]
                first = next(iter(asyncio.as_completed(pending)))
                await first
                process.send_signal(signal.SIGTERM)  # while the others are still in flight
                return [r.status_code for r in await asyncio.gather(*pending)]

        statuses = asyncio.run(burst())
        assert statuses == [200] * 12
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
