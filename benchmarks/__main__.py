"""``python -m benchmarks [SCENARIO ...]`` (``make bench``): run the scenarios, print the figures.

Environment: ``BENCH_SECONDS`` (measured, 10), ``BENCH_WARMUP`` (2), ``BENCH_CONCURRENCY`` (64),
``BENCH_WORKERS`` (granian workers per server, 1), ``BENCH_LOADGEN`` (auto, python or wrk);
``TICKETBASE_DATABASE_URL`` names the PostgreSQL server (default: an embedded one). The exit status
says whether the run could be made, never whether the figures are good.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("\ninterrupted; whatever the run had started is stopped", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    import asyncpg

    from ticketbase.entrypoints.settings import SettingsError

    from .load import LoadError
    from .runner import BenchError, Config, run
    from .scenarios import SCENARIOS
    from .server import ServerError

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="default: all (baselines are added)"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    args = parser.parse_args(argv)
    if args.list:
        for scenario in SCENARIOS:
            against = f", compared to {scenario.baseline}" if scenario.baseline else ""
            print(f"{scenario.name}  (server: {scenario.target.name}{against})")
        return 0
    unknown = set(args.scenarios) - {s.name for s in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))} (see --list)")
    wanted = set(args.scenarios) | {s.baseline for s in SCENARIOS if s.name in args.scenarios}
    chosen = [s for s in SCENARIOS if not args.scenarios or s.name in wanted]
    try:
        run(chosen, Config.from_env(os.environ))
    except (BenchError, LoadError, ServerError, SettingsError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except (OSError, asyncpg.PostgresError) as error:
        print(f"bench: database or network error: {error!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
