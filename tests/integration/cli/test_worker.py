"""``ticketbase worker`` as a real process: runs its job, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy.engine import URL
from tests.integration.cli.test_serve import _cli, _environment


def test_the_worker_purges_and_stops_on_sigterm(database_url: URL, tmp_path: Path) -> None:
    env = _environment(
        TICKETBASE_DATABASE_URL=database_url.render_as_string(hide_password=False),
        TICKETBASE_DATA_DIR=str(tmp_path),
    )
    env["TICKETBASE_LOG_LEVEL"] = "INFO"
    process = subprocess.Popen(
        _cli("worker"), env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    events: list[str] = []
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 60
        while "sessions_purged" not in events:
            assert time.monotonic() < deadline, events
            line = process.stderr.readline()
            assert line, f"the worker exited: {events}"
            if line.startswith("{"):
                events.append(json.loads(line)["event"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        events += [json.loads(line)["event"] for line in process.stderr if line.startswith("{")]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert events.index("worker_started") < events.index("sessions_purged")
    assert events[-1] == "worker_stopped"
