"""``ticketbase serve | migrate | worker | create-platform-admin | verify-domain | seed-demo |
rotate-keys``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys

import structlog

from ticketbase.domain.shared.errors import DomainError
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


def seed_demo(settings: Settings, slug: str, email: str, password_stdin: bool) -> None:
    from ticketbase.application.demo.seed_demo import SeedDemo, SeedDemoCommand, SeededDemo
    from ticketbase.application.events.create_event import CreateEvent
    from ticketbase.application.events.create_ticket_type import CreateTicketType
    from ticketbase.application.events.publish_event import PublishEvent
    from ticketbase.application.identity.register import Register
    from ticketbase.application.identity.resolve_organization import ResolveOrganization
    from ticketbase.application.identity.session_management import EndSession
    from ticketbase.application.identity.update_organization import UpdateOrganization
    from ticketbase.application.ports.system import Clock

    given = sys.stdin.readline().rstrip("\n") if password_stdin else None
    password = given if given is not None else secrets.token_urlsafe(18)

    async def main(ready: Settings) -> SeededDemo:
        container = make_container(ready.with_development_secrets())
        try:
            async with container() as request:
                seed = SeedDemo(
                    await request.get(ResolveOrganization),
                    await request.get(Clock),
                    await request.get(Register),
                    await request.get(UpdateOrganization),
                    await request.get(CreateEvent),
                    await request.get(CreateTicketType),
                    await request.get(PublishEvent),
                    await request.get(EndSession),
                )
                return await seed(SeedDemoCommand(password=password, slug=slug, email=email))
        finally:
            await container.close()

    with database(settings) as ready:
        migrate_database(ready)
        demo = asyncio.run(main(ready))

    api = f"http://{_url_host(settings.host)}:{settings.port}"
    org = demo.organization.slug.value
    event = demo.event.slug.value
    shown = "(the one given on stdin)" if given is not None else f"{password}  (shown only once)"
    print(
        f"""Demo organization "{demo.organization.name}" ({org}) with a published event is ready.

  Owner email   {demo.owner_email}
  Password      {shown}
  Admin App     {settings.admin_app_url}
  API           {api}

Storefront (once `ticketbase serve` runs):
  http://{org}.{settings.base_domain}:{settings.port}/api/events/{event}
  curl -H 'X-Organization: {org}' {api}/api/events
  curl -H 'X-Organization: {org}' {api}/api/events/{event}"""
    )


def rotate_keys(settings: Settings, batch_size: int, max_batches: int | None) -> None:
    """Re-encrypt every organization's personal fields under the first of
    ``TICKETBASE_ENCRYPTION_KEYS``, in batches of short transactions while the API serves.

    Progress is one line on stderr counting records and batches, rewritten in place: the total
    is not known in advance (counting it would read every tenant's orders and be stale at once
    while checkouts go on), so a bar would have no end to fill towards, and a counter needs no
    dependency. Interrupted, it resumes when run again: finished batches are committed and
    records under the newest key are not taken again."""
    from ticketbase.application.privacy.rotate_keys import RotateEncryptionKeys, Rotation

    counted = {"records": 0, "batches": 0}

    def progress(done: int) -> None:
        counted["records"] += done
        counted["batches"] += 1
        print(
            f"\rre-encrypted {counted['records']} records in {counted['batches']} batches",
            end="",
            file=sys.stderr,
            flush=True,
        )

    async def main(ready: Settings) -> Rotation:
        container = make_container(ready.with_development_secrets())
        try:
            async with container() as request:
                rotate = await request.get(RotateEncryptionKeys)
                return await rotate(
                    batch_size=batch_size, max_batches=max_batches, progress=progress
                )
        finally:
            await container.close()

    with database(settings) as ready:
        migrate_database(ready)
        rotation = asyncio.run(main(ready))
    print(file=sys.stderr)
    state = "done" if rotation.finished else "stopped (run again to go on)"
    print(f"rotate-keys {state}: {rotation.rewritten} records re-encrypted")


def _url_host(host: str) -> str:
    """Where a browser reaches a server listening on ``host``."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - listening everywhere, reached locally
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


_CONFLICT_HINTS = {
    "organizationSlug": "choose another with --slug",
    "email": "choose another with --email",
}


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
    demo = commands.add_parser(
        "seed-demo", help="create a demo organization, its owner and a published event"
    )
    demo.add_argument("--slug", default="demo", help="the organization's slug (default: demo)")
    demo.add_argument("--email", default="owner@demo.example", help="the owner's email")
    demo.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the owner's password from stdin (default: generate one and print it)",
    )
    rotate = commands.add_parser(
        "rotate-keys",
        help="re-encrypt personal fields under the first of TICKETBASE_ENCRYPTION_KEYS",
    )
    rotate.add_argument("--batch-size", type=int, default=500, help="records per transaction")
    rotate.add_argument(
        "--max-batches", type=int, default=None, help="stop after this many batches"
    )
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
        elif args.command == "verify-domain":
            verify_domain(settings, args.organization, args.domain)
        elif args.command == "rotate-keys":
            rotate_keys(settings, args.batch_size, args.max_batches)
        else:
            seed_demo(settings, args.slug, args.email, args.password_stdin)
    except SettingsError as error:
        print(f"ticketbase: {error}", file=sys.stderr)
        return 2
    except DomainError as error:  # an expected refusal: its message, not a traceback
        hint = _CONFLICT_HINTS.get(error.field or "") if args.command == "seed-demo" else None
        print(
            f"ticketbase {args.command}: {error.detail}{f' ({hint})' if hint else ''}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
