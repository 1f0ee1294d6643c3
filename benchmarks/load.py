"""What a load run is given and what it measured, and which generator runs it.

A generator always runs in its own process (never sharing the server's or this process's GIL):
``wrk`` when it is installed, otherwise the Python one in ``loadgen.py`` (``BENCH_LOADGEN``
chooses: ``auto``, ``python`` or ``wrk``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path

from .http1 import parse_response

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 30.0


class LoadError(RuntimeError):
    """The generator could not run (as opposed to a run that saw errors)."""


@dataclass(frozen=True, slots=True)
class LoadSpec:
    host: str
    port: int
    requests: tuple[bytes, ...]
    concurrency: int
    warmup: float
    duration: float

    def to_json(self) -> str:
        fields = asdict(self)
        fields["requests"] = [raw.decode("latin-1") for raw in self.requests]
        return json.dumps(fields)

    @classmethod
    def from_json(cls, text: str) -> LoadSpec:
        fields = json.loads(text)
        fields["requests"] = tuple(raw.encode("latin-1") for raw in fields["requests"])
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class LoadResult:
    generator: str
    requests: int
    """Responses completed inside the measured window (errors included)."""
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    """Non-2xx responses as ``"HTTP 503"``, and transport failures (``"reset"``, ``"timeout"``…)."""
    client_cpu: float | None = None
    """The share of one CPU the generator used while measuring, when known."""

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LoadResult:
        return cls(**json.loads(text))


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[min(int(rank), len(sorted_values)) - 1]


def choose_generator(wanted: str) -> str:
    if wanted not in {"auto", "python", "wrk"}:
        raise LoadError(f"BENCH_LOADGEN must be auto, python or wrk, not {wanted!r}")
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise LoadError("BENCH_LOADGEN=wrk but wrk is not on PATH")
    return wanted


def describe_generator(name: str) -> str:
    if name == "python":
        return "the built-in Python generator (benchmarks/loadgen.py, one process)"
    version = run_child(["wrk", "--version"], timeout=10, check=False).split("\n", 1)[0]
    return f"{version.split(' Copyright')[0].strip()} (BENCH_LOADGEN=python for the built-in one)"


def run_load(generator: str, spec: LoadSpec, workdir: Path) -> LoadResult:
    if generator == "wrk":
        from . import wrk

        return wrk.run(spec, workdir)
    output = run_child(
        [sys.executable, "-m", "benchmarks.loadgen"],
        stdin=spec.to_json(),
        timeout=spec.warmup + spec.duration + GRACE_SECONDS,
    )
    return LoadResult.from_json(output)


def child_env() -> dict[str, str]:
    """This environment, with the repository on the path so ``benchmarks.*`` imports."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_child(
    argv: list[str], *, stdin: str | None = None, timeout: float, check: bool = True
) -> str:
    """Run a bounded child in its own session (Ctrl-C is ours to handle); kill it if we stop."""
    process = subprocess.Popen(  # noqa: S603 - fixed argv built here
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
        start_new_session=True,
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except BaseException:
        kill_group(process)
        raise
    if check and process.returncode != 0:
        raise LoadError(f"{argv[0]} exited with {process.returncode}: {err.strip()[-2000:]}")
    return out


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process group a child leads (it was started with a new session)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def probe(host: str, port: int, raw: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send one request as the generator will and return (status, body)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(raw)
        buffer = bytearray()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                raise LoadError("the server closed the connection before answering")
            buffer += chunk
            parsed = parse_response(buffer)
            if parsed is not None:
                return parsed.status, parsed.body
