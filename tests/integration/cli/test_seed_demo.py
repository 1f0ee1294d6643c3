"""``ticketbase seed-demo`` as a real process: what it prints is there, readable and usable."""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from pathlib import Path

import httpx
from sqlalchemy.engine import URL
from tests.integration.cli.test_serve import _cli, _environment, _postgres_running_in
from tests.integration.conftest import embedded_data_dir

from ticketbase.entrypoints.http.app import create_app
from ticketbase.entrypoints.settings import Settings

PORT = "8765"
BASE_DOMAIN = "tickets.test"
ADMIN_APP = "http://admin.example.test"
EVENT = "demo-night-live"


def _seed(
    env: dict[str, str], cwd: Path, *args: str, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        _cli("seed-demo", *args),
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,  # the exit code is what the tests look at
    )


async def _use_the_demo(settings: Settings, slug: str, email: str, password: str) -> None:
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for headers in ({"x-organization": slug}, {"host": f"{slug}.{BASE_DOMAIN}:{PORT}"}):
                read = await client.get(f"/api/events/{EVENT}", headers=headers)
                assert read.status_code == 200, read.text
                prices = {t["name"]: t["currentPrice"] for t in read.json()["ticketTypes"]}
                assert prices == {
                    "General admission": {"amount": 1900, "currency": "EUR"},  # early bird
                    "VIP": {"amount": 8000, "currency": "EUR"},
                }
            listed = await client.get("/api/events", headers={"x-organization": slug})
            assert [e["slug"] for e in listed.json()["items"]] == [EVENT]
            login = await client.post(
                "/api/auth/login", json={"email": email, "password": password}
            )
            assert login.status_code == 200, login.text
            assert login.json()["organization"]["slug"] == slug


def test_seed_demo_prints_what_works_and_refuses_a_taken_slug(
    database_url: URL, tmp_path: Path
) -> None:
    url = database_url.render_as_string(hide_password=False)
    env = _environment(
        TICKETBASE_DATABASE_URL=url,
        TICKETBASE_DATA_DIR=str(tmp_path),
        TICKETBASE_PORT=PORT,
        TICKETBASE_BASE_DOMAIN=BASE_DOMAIN,
        TICKETBASE_ADMIN_APP_URL=ADMIN_APP,
    )
    slug = f"demo-{uuid.uuid4().hex[:8]}"
    email = f"owner@{slug}.example"

    seeded = _seed(env, tmp_path, "--slug", slug, "--email", email)
    assert seeded.returncode == 0, seeded.stderr.decode()
    out = seeded.stdout.decode()
    password = re.search(r"Password +(\S+) +\(shown only once\)", out)
    assert password is not None, out
    assert len(password[1]) >= 20
    api = f"http://127.0.0.1:{PORT}"
    for line in (
        f"Owner email   {email}",
        f"Admin App     {ADMIN_APP}",
        f"API           {api}",
        f"http://{slug}.{BASE_DOMAIN}:{PORT}/api/events/{EVENT}",
        f"curl -H 'X-Organization: {slug}' {api}/api/events\n",
        f"curl -H 'X-Organization: {slug}' {api}/api/events/{EVENT}",
    ):
        assert line in out, out

    settings = Settings(
        database_url=url,
        data_dir=tmp_path,
        base_domain=BASE_DOMAIN,
        log_format="json",
        log_level="WARNING",
        database_pool_size=2,
    )
    asyncio.run(_use_the_demo(settings, slug, email, password[1]))

    again = _seed(env, tmp_path, "--slug", slug.upper(), "--email", f"other@{slug}.example")
    assert again.returncode == 1
    assert again.stdout == b""
    assert again.stderr.decode().splitlines()[-1] == (
        f"ticketbase seed-demo: the organization slug '{slug}' is already taken "
        "(choose another with --slug)"
    )
    assert b"Traceback" not in again.stderr


def test_seed_demo_on_the_embedded_database_with_a_given_password(tmp_path: Path) -> None:
    """The defaults, on a database the command starts, migrates and stops itself."""
    with embedded_data_dir() as data_dir:
        env = _environment(TICKETBASE_DATA_DIR=str(data_dir))
        seeded = _seed(env, tmp_path, "--password-stdin", stdin=b"correct horse battery staple\n")
        assert seeded.returncode == 0, seeded.stderr.decode()
        out = seeded.stdout.decode()
        assert 'Demo organization "Demo Events" (demo)' in out
        assert "Owner email   owner@demo.example" in out
        assert "Password      (the one given on stdin)" in out
        assert "correct horse" not in out
        assert f"http://demo.ticketbase.localhost:8000/api/events/{EVENT}" in out
        assert not _postgres_running_in(data_dir)
