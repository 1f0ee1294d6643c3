"""``ticketbase serve | migrate | worker | create-platform-admin | verify-domain``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

import structlog

from ticketbase.entrypoints.container import (
    check_settings,
    database,
    make_container,
    migrate_database,
)
from ticketbase.entrypoints.logging import configure_logging
from ticketbase.entrypoints.settings import Settings, SettingsError

log = structlog.get_logger()


def serve(settings: Settings) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    with database(settings) as ready:
        migrate_database(ready)
        log.info("serving", host=ready.host, port=ready.port, workers=ready.workers)
        Granian(
            "ticketbase.entrypoints.http.app:create_app",
            factory=True,
            interface=Interfaces.ASGI,
            address=ready.host,
            port=ready.port,
            workers=ready.workers,
            log_access=False,
            workers_kill_timeout=30,
        ).serve()


def migrate(settings: Settings) -> None:
    with database(settings) as ready:
        migrate_database(ready)


def worker(settings: Settings) -> None:
    from ticketbase.entrypoints.worker import run

    with database(settings) as ready:
        migrate_database(ready)
        asyncio.run(run(ready))


def create_platform_admin(settings: Settings, email: str, password_stdin: bool) -> None:
    from ticketbase.application.identity.create_platform_admin import (
        CreatePlatformAdmin,
        CreatePlatformAdminCommand,
    )

    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()

    async def main(ready: Settings) -> None:
        container = make_container(ready.with_development_secrets())
        try:
            async with container() as request:
                use_case = await request.get(CreatePlatformAdmin)
                user = await use_case(CreatePlatformAdminCommand(email=email, password=password))
        finally:
            await container.close()
        print(f"platform administrator {user.email} ({user.id})")

    with database(settings) as ready:
        migrate_database(ready)
        asyncio.run(main(ready))


def verify_domain(settings: Settings, organization: str, domain: str) -> None:
    from ticketbase.application.identity.verify_custom_domain import VerifyCustomDomain

    async def main(ready: Settings) -> None:
        container = make_container(ready.with_development_secrets())
        try:
            async with container() as request:
                await (await request.get(VerifyCustomDomain))(organization, domain)
        finally:
            await container.close()
        print(f"{domain} now serves {organization}")

    with database(settings) as ready:
        asyncio.run(main(ready))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ticketbase", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate, then serve the API (TICKETBASE_HOST/PORT/WORKERS)")
    commands.add_parser("migrate", help="apply the database migrations")
    commands.add_parser("worker", help="run the background worker")
    admin = commands.add_parser("create-platform-admin", help="create a platform administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    verify = commands.add_parser("verify-domain", help="mark a custom domain as verified")
    verify.add_argument("--organization", required=True, help="the organization's slug")
    verify.add_argument("--domain", required=True)
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
        check_settings(settings)
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "serve":
            serve(settings)
        elif args.command == "migrate":
            migrate(settings)
        elif args.command == "worker":
            worker(settings)
        elif args.command == "create-platform-admin":
            create_platform_admin(settings, args.email, args.password_stdin)
        else:
            verify_domain(settings, args.organization, args.domain)
    except SettingsError as error:
        print(f"ticketbase: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
