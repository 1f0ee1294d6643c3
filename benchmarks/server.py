"""Serve an app factory with granian in a subprocess, the way ``ticketbase serve`` does.

The child is ``python -m benchmarks.server APP PORT WORKERS``: the ``Granian(...)`` arguments of
``ticketbase.entrypoints.cli.serve`` (ASGI, factory, no access log), with granian's own log at
WARNING. It runs in its own session and is stopped (then its process group killed) on the way out.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 35.0


class ServerError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Target:
    """An ASGI app factory (``module:callable``) and a path that answers 200 once it can serve."""

    name: str
    app: str
    ready_path: str
    env: tuple[tuple[str, str], ...] = ()
    """Variables this server runs with on top of the run's (the header prints them)."""


@contextmanager
def running(
    target: Target, *, workers: int, env: dict[str, str], workdir: Path
) -> Iterator[tuple[str, int]]:
    """(host, port) of ``target`` served by granian until the block ends."""
    port = _free_port()
    log_path = workdir / f"server-{target.name}.log"
    argv = [sys.executable, "-m", "benchmarks.server", target.app, str(port), str(workers)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv built here
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
    try:
        _wait_ready(process, port, target.ready_path, log_path)
        yield HOST, port
    finally:
        _stop(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(process: subprocess.Popen[bytes], port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the server exited with {process.returncode}:\n{_tail(log)}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise ServerError(
        f"{path} did not answer 200 within {READY_TIMEOUT_SECONDS:.0f} s:\n{_tail(log)}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM granian's main process (graceful), then kill whatever is left of its group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT_SECONDS)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str]) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    app, port, workers = argv
    Granian(
        app,
        factory=True,
        interface=Interfaces.ASGI,
        address=HOST,
        port=int(port),
        workers=int(workers),
        log_access=False,
        log_level=LogLevels.warning,
        workers_kill_timeout=30,
    ).serve()


if __name__ == "__main__":
    main(sys.argv[1:])
