"""A logged-out access token is refused by every server worker, and still after a restart.

Reproduces the report against the real ``ticketbase serve`` with ``TICKETBASE_WORKERS=2`` and no
Redis: a logout used to be known only to the worker that answered it, and only until the server
restarted (8 of 20 calls to ``/api/auth/me`` refused, 12 answered 200). Every call here goes
over a new connection, and the worker that answered it is read off the connection itself (the
server-side socket's owning process), so each test proves that both workers were asked.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import psutil
import pytest
from sqlalchemy.engine import URL
from tests.integration.cli.test_serve import _environment, serving

PASSWORD = "correct horse battery staple"
WORKERS = 2
# Calls go on until every worker has answered this many; the kernel spreads the connections.
CALLS_PER_WORKER = 5
SPREAD_SECONDS = 20
# Passed to the servers, so tokens can be signed here too.
JWT_SECRET = secrets.token_urlsafe(48)

# The answering worker is found through the kernel's TCP table and the workers' descriptors.
pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")


@dataclass(frozen=True)
class Server:
    base: str
    port: int

    @property
    def processes(self) -> list[int]:
        """Every process this pytest run started: the server's among them."""
        return [p.pid for p in psutil.Process().children(recursive=True)]


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    worker: int


# Built once: loading the CA bundle for every new client would cost more than the request.
_TLS = ssl.create_default_context()


def call(server: Server, method: str, path: str, **options: Any) -> tuple[httpx.Response, int]:
    """One request on a brand-new connection: the response and the pid of the worker."""
    with httpx.Client(base_url=server.base, timeout=10, verify=_TLS) as client:
        response = client.request(method, path, **options)
        _, client_port = response.extensions["network_stream"].get_extra_info("client_addr")
        # Still open (keep-alive), so its server end is held by the worker that answered.
        return response, worker_holding(server, client_port)


def worker_holding(server: Server, client_port: int) -> int:
    """Which process holds the server end of the connection from ``client_port``: the socket's
    inode from the kernel's TCP table, then the process with a descriptor on it. (Read from
    /proc directly: psutil parses the whole table once per process, ten times slower.)"""
    inode = _socket_inode(server.port, client_port)
    for pid in server.processes:
        with contextlib.suppress(OSError):  # a process that just ended, or not ours to read
            descriptors = Path(f"/proc/{pid}/fd")
            if any(os.readlink(d) == f"socket:[{inode}]" for d in descriptors.iterdir()):
                return pid
    raise AssertionError(f"no process of the server holds the connection from {client_port}")


def _socket_inode(local_port: int, remote_port: int) -> str:
    # Columns: sl, local address:port, remote address:port, state, ..., inode (the tenth).
    local, remote = f":{local_port:04X}", f":{remote_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            # A closed one lingering in TIME_WAIT has no inode (0) and no owner.
            if fields[1].endswith(local) and fields[2].endswith(remote) and fields[9] != "0":
                return fields[9]
    raise AssertionError(f"the kernel knows no connection {remote_port} -> {local_port}")


def me(server: Server, token: str) -> Answer:
    response, worker = call(
        server, "GET", "/api/auth/me", headers={"authorization": f"Bearer {token}"}
    )
    code = None
    if response.status_code != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
        code = response.json().get("code")
    return Answer(response.status_code, code, worker)


def ask_every_worker(server: Server, token: str, at_least: int) -> list[Answer]:
    """``GET /api/auth/me``, each on a new connection: ``at_least`` times, and on until every
    worker has answered ``CALLS_PER_WORKER`` of them."""
    answers: list[Answer] = []
    deadline = time.monotonic() + SPREAD_SECONDS
    while True:
        answers.append(me(server, token))
        per_worker = Counter(a.worker for a in answers)
        if (
            len(answers) >= at_least
            and len(per_worker) == WORKERS
            and min(per_worker.values()) >= CALLS_PER_WORKER
        ):
            return answers
        assert time.monotonic() < deadline, f"not every worker answered: {summary(answers)}"


def summary(answers: list[Answer]) -> dict[str, int]:
    counts = Counter(f"worker {a.worker}: {a.status} {a.code or ''}".strip() for a in answers)
    return dict(sorted(counts.items()))


def assert_refused(answers: list[Answer], code: str = "session_revoked") -> None:
    wrong = [a for a in answers if (a.status, a.code) != (401, code)]
    assert not wrong, f"not every call was refused with 401 {code}: {summary(answers)}"


def assert_accepted(answers: list[Answer]) -> None:
    assert all(a.status == 200 for a in answers), summary(answers)


def register(server: Server) -> tuple[str, str]:
    """A new organization and its owner: the owner's email and access token."""
    slug = f"workers-{uuid.uuid4().hex[:10]}"
    email = f"{slug}@example.com"
    body = {
        "organizationName": "Two Workers",
        "organizationSlug": slug,
        "email": email,
        "password": PASSWORD,
        "fullName": "Two Workers",
    }
    response, _ = call(server, "POST", "/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return email, str(response.json()["tokens"]["accessToken"])


def login(server: Server, email: str) -> str:
    body = {"email": email, "password": PASSWORD}
    response, _ = call(server, "POST", "/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["tokens"]["accessToken"])


def logout(server: Server, token: str) -> None:
    headers = {"authorization": f"Bearer {token}"}
    response, _ = call(server, "POST", "/api/auth/logout", headers=headers)
    assert response.status_code == 204, response.text


def environment(database_url: URL, data_dir: Path, **extra: str) -> dict[str, str]:
    return _environment(
        TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(data_dir),
        TICKETBASE_WORKERS=str(WORKERS),
        TICKETBASE_JWT_SECRET=JWT_SECRET,
        TICKETBASE_RATE_LIMIT_AUTH="1000/1m",
        **extra,
    )


@contextmanager
def two_workers(env: dict[str, str], cwd: Path) -> Iterator[Server]:
    with serving(env, cwd) as base:
        yield Server(base, int(base.rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def server(database_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers, no Redis: the change feed is PostgreSQL's LISTEN/NOTIFY."""
    data_dir = tmp_path_factory.mktemp("two-workers")
    with two_workers(environment(database_url, data_dir), data_dir) as server:
        yield server


def test_a_logout_is_refused_by_every_worker(server: Server) -> None:
    _, token = register(server)
    # Both workers have answered for this session, so both hold it as running.
    assert_accepted(ask_every_worker(server, token, at_least=40))
    logout(server, token)
    assert_refused(ask_every_worker(server, token, at_least=20))


def test_a_token_naming_no_session_is_refused_by_every_worker(server: Server) -> None:
    _, token = register(server)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    def signed(**changes: str) -> str:
        return jwt.encode({**claims, **changes}, JWT_SECRET, algorithm="HS256", headers=header)

    # Signed here like the server signs: the same claims are accepted, so only `sid` differs.
    assert_accepted(ask_every_worker(server, signed(), at_least=10))
    assert_refused(ask_every_worker(server, signed(sid=str(uuid.uuid4())), at_least=20))


def test_a_logout_is_refused_by_every_worker_with_redis(
    database_url: URL, redis_url: str, tmp_path: Path
) -> None:
    env = environment(database_url, tmp_path, TICKETBASE_REDIS_URL=redis_url)
    with two_workers(env, tmp_path) as server:
        _, token = register(server)
        assert_accepted(ask_every_worker(server, token, at_least=40))
        logout(server, token)
        assert_refused(ask_every_worker(server, token, at_least=20))


def test_a_logout_outlives_a_restart(database_url: URL, tmp_path: Path) -> None:
    env = environment(database_url, tmp_path)
    with two_workers(env, tmp_path) as server:
        email, ended = register(server)
        running = login(server, email)
        assert_accepted(ask_every_worker(server, ended, at_least=10))
        assert_accepted(ask_every_worker(server, running, at_least=10))
        logout(server, ended)
        assert_refused(ask_every_worker(server, ended, at_least=10))

    with two_workers(env, tmp_path) as server:
        assert_refused(ask_every_worker(server, ended, at_least=20))
        assert_accepted(ask_every_worker(server, running, at_least=20))
