"""One run: a throwaway database, each server in turn, each scenario's setup and load, the figures.

Everything started here is stopped in reverse order on the way out (servers, the bench database,
an embedded PostgreSQL, the temporary directory), also after Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from types import FrameType
from typing import TextIO

from ticketbase.entrypoints.settings import Settings

from .checkout import Check
from .database import BenchDatabase, throwaway_database
from .http1 import Request
from .load import LoadResult, LoadSpec, child_env, choose_generator, describe_generator, probe
from .load import run_load as load
from .scenarios import Context, Scenario
from .server import Target, running

# The settings a run owns; any other TICKETBASE_* variable reaches the servers unchanged.
OWNED = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "DATA_DIR", "JWT_SECRET", "LOG_LEVEL", "WORKERS")


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Config:
    seconds: float = 10.0
    warmup: float = 2.0
    concurrency: int = 64
    workers: int = 1
    loadgen: str = "auto"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        default = cls()
        try:
            config = cls(
                seconds=float(environ.get("BENCH_SECONDS", default.seconds)),
                warmup=float(environ.get("BENCH_WARMUP", default.warmup)),
                concurrency=int(environ.get("BENCH_CONCURRENCY", default.concurrency)),
                workers=int(environ.get("BENCH_WORKERS", default.workers)),
                loadgen=environ.get("BENCH_LOADGEN", default.loadgen).strip().lower(),
            )
        except ValueError as error:
            raise BenchError(f"a BENCH_* variable is not a number: {error}") from None
        if config.seconds <= 0 or config.warmup < 0 or config.concurrency < 1 or config.workers < 1:
            raise BenchError("BENCH_SECONDS, BENCH_CONCURRENCY and BENCH_WORKERS must be positive")
        return config


def run(scenarios: Sequence[Scenario], config: Config, out: TextIO = sys.stdout) -> None:
    generator = choose_generator(config.loadgen)
    stack = ExitStack()
    try:
        workdir = Path(stack.enter_context(TemporaryDirectory(prefix="ticketbase-bench-")))
        database = stack.enter_context(throwaway_database(Settings.from_env(dotenv=None), workdir))
        env = _server_env(database, workdir, config)
        groups = _by_target(scenarios)
        _header(out, config, generator, database, [target for target, _ in groups])
        results: dict[str, LoadResult] = {}
        checks: dict[str, Sequence[Check]] = {}
        for target, group in groups:
            target_env = env | dict(target.env)
            settings = Settings.from_env(target_env, dotenv=None)
            with running(
                target, workers=config.workers, env=target_env, workdir=workdir
            ) as address:
                for scenario in group:
                    result = _measure(
                        scenario,
                        address=address,
                        settings=settings,
                        config=config,
                        generator=generator,
                        workdir=workdir,
                    )
                    results[scenario.name] = result
                    _row(out, scenario, result, config)
                    if scenario.verify is not None:
                        checks[scenario.name] = asyncio.run(_verify(scenario, settings, address))
                        for check in checks[scenario.name]:
                            print(f"{'':<16}{check.text}", file=out, flush=True)
        _ratios(out, scenarios, results, checks)
    finally:
        with _ctrl_c_deferred():
            stack.close()


def _server_env(database: BenchDatabase, workdir: Path, config: Config) -> dict[str, str]:
    owned = {f"TICKETBASE_{name}" for name in OWNED}
    env = {k: v for k, v in child_env().items() if k not in owned}
    env.update(database.env())
    env["TICKETBASE_DATA_DIR"] = str(workdir / "data")
    env["TICKETBASE_JWT_SECRET"] = secrets.token_urlsafe(48)
    # The production default: the access line of every request is part of its cost.
    env["TICKETBASE_LOG_LEVEL"] = "INFO"
    env["TICKETBASE_WORKERS"] = str(config.workers)
    return env


def _by_target(scenarios: Sequence[Scenario]) -> list[tuple[Target, list[Scenario]]]:
    """Scenarios grouped by server, each server started once, in order of first use."""
    groups: dict[Target, list[Scenario]] = {}
    for scenario in scenarios:
        groups.setdefault(scenario.target, []).append(scenario)
    return list(groups.items())


def _measure(
    scenario: Scenario,
    *,
    address: tuple[str, int],
    settings: Settings,
    config: Config,
    generator: str,
    workdir: Path,
) -> LoadResult:
    host, port = address
    if scenario.direct is not None:
        return asyncio.run(_direct(scenario, settings, f"http://{host}:{port}", config))
    requests = asyncio.run(_setup(scenario, settings, f"http://{host}:{port}"))
    if not requests:
        raise BenchError(f"{scenario.name}: the setup returned no request")
    raws = tuple(request.encode(f"{host}:{port}") for request in requests)
    for request, raw in zip(requests, raws, strict=True):
        status, body = probe(host, port, raw)
        if not 200 <= status < 300:
            raise BenchError(
                f"{scenario.name}: {request.method} {request.path} answered {status} before any "
                f"load: {body[:500].decode(errors='replace')}"
            )
    spec = LoadSpec(
        host=host,
        port=port,
        requests=raws,
        concurrency=scenario.concurrency or config.concurrency,
        warmup=config.warmup,
        duration=scenario.duration or config.seconds,
    )
    return load(generator, spec, workdir)


async def _setup(scenario: Scenario, settings: Settings, base_url: str) -> Sequence[Request]:
    context = Context(settings, base_url)
    try:
        return await scenario.setup(context)
    finally:
        await context.close()


async def _direct(
    scenario: Scenario, settings: Settings, base_url: str, config: Config
) -> LoadResult:
    """Seed, then measure with the scenario's own coroutine (no HTTP load)."""
    assert scenario.direct is not None
    context = Context(settings, base_url)
    try:
        await scenario.setup(context)
        connections = scenario.concurrency or config.concurrency
        duration = scenario.duration or config.seconds
        return await scenario.direct(context, config.warmup, duration, connections)
    finally:
        await context.close()


async def _verify(
    scenario: Scenario, settings: Settings, address: tuple[str, int]
) -> Sequence[Check]:
    assert scenario.verify is not None
    context = Context(settings, f"http://{address[0]}:{address[1]}")
    try:
        return await scenario.verify(context)
    finally:
        await context.close()


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """The clean-up must finish: a Ctrl-C during it is acknowledged, not obeyed."""

    def acknowledge(signum: int, frame: FrameType | None) -> None:
        print("cleaning up (servers, bench database), one moment…", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, acknowledge)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


COLUMNS = f"{'scenario':<16}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>9}"


def _header(
    out: TextIO,
    config: Config,
    generator: str,
    database: BenchDatabase,
    targets: Sequence[Target],
) -> None:
    import granian

    workers = f"{config.workers} worker{'s' if config.workers > 1 else ''}"
    print(
        f"TicketBase benchmarks: granian {granian.__version__} ASGI, {workers} per server, "
        f"{config.concurrency} connections, {config.seconds:g} s measured after "
        f"{config.warmup:g} s warm-up",
        f"load generator: {describe_generator(generator)}",
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start "
        "(server, generator and PostgreSQL share them)",
        f"database: {database.name} (dropped afterwards) on {database.where}",
        *(
            f"{target.name} server: {' '.join(f'{k}={v}' for k, v in target.env)}"
            for target in targets
            if target.env
        ),
        "",
        COLUMNS,
        sep="\n",
        file=out,
        flush=True,
    )


def _row(out: TextIO, scenario: Scenario, result: LoadResult, config: Config) -> None:
    line = (
        f"{scenario.name:<16}{result.requests_per_second:>12,.0f}{result.p50_ms:>10.2f}"
        f"{result.p99_ms:>10.2f}{result.error_count:>9,}"
    )
    own = []
    if scenario.concurrency and scenario.concurrency != config.concurrency:
        own.append(f"{scenario.concurrency} connections")
    if scenario.duration and scenario.duration != config.seconds:
        own.append(f"{scenario.duration:g} s")
    if own:
        line += f"   ({', '.join(own)})"
    print(line, file=out, flush=True)
    for note in (scenario.note or "").splitlines():
        print(f"{'':<16}{note}", file=out, flush=True)
    if result.errors:
        detail = ", ".join(f"{kind}: {n:,}" for kind, n in sorted(result.errors.items()))
        print(f"{'':<16}errors: {detail}", file=out, flush=True)
    if result.client_cpu is not None and result.client_cpu > 0.9:
        print(
            f"{'':<16}note: the load generator used {result.client_cpu:.0%} of a CPU, so this may "
            "be its limit rather than the server's",
            file=out,
            flush=True,
        )


def _ratios(
    out: TextIO,
    scenarios: Sequence[Scenario],
    results: Mapping[str, LoadResult],
    checks: Mapping[str, Sequence[Check]],
) -> None:
    """The headline: each scenario's throughput as a share of its baseline's, measured on the
    same machine in the same run, with the goal it has (if any) and whether it was met; then
    the scenario's own throughput goal and the checks made after its load."""
    lines = []
    for scenario in scenarios:
        result = results.get(scenario.name)
        if result is not None and scenario.rate_goal is not None:
            met = result.requests_per_second >= scenario.rate_goal
            lines.append(
                f"{scenario.name} = {result.requests_per_second:,.0f} requests/s   goal >= "
                f"{scenario.rate_goal:,.0f}: {_met(met)}"
            )
        for check in checks.get(scenario.name, ()):
            lines.append(f"{scenario.name}: {check.text}: {_met(check.met)}")
        baseline = results.get(scenario.baseline or "")
        if baseline is None or result is None:
            continue
        base = baseline.requests_per_second
        ratio = result.requests_per_second / base if base else float("nan")
        shown = f"{ratio:.2f}" if ratio >= 0.01 else f"{ratio:.2g}"  # 0.0011, not 0.00
        line = f"{scenario.name} / {scenario.baseline} = {shown} of {scenario.baseline} throughput"
        if scenario.ratio_goal is not None:
            line += f"   goal >= {scenario.ratio_goal:.2f}: {_met(ratio >= scenario.ratio_goal)}"
        if scenario.p99_goal_ms is not None:
            met = result.p99_ms < scenario.p99_goal_ms
            line += f"; p99 {result.p99_ms:.1f} ms, goal < {scenario.p99_goal_ms:g} ms: {_met(met)}"
        lines.append(line)
    if lines:
        print("", "headline:", *lines, sep="\n", file=out, flush=True)


def _met(met: bool) -> str:
    return "met" if met else "NOT MET"
