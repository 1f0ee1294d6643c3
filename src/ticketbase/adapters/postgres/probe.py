"""Database readiness and the least-privilege check made before serving."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class UnsafeDatabaseRole(RuntimeError):
    pass


class PostgresProbe:
    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def assert_least_privilege(self) -> None:
        """Refuse to serve as a role that row level security would not apply to."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT r.rolsuper, r.rolbypassrls, EXISTS (SELECT 1 FROM pg_tables t "
                        "WHERE t.schemaname = 'public' AND t.tableowner = current_user) "
                        "FROM pg_roles r WHERE r.rolname = current_user"
                    )
                )
            ).one()
        # Keep no connection from start-up: the pool fills lazily on the serving event loop.
        await self._engine.dispose()
        if any(row):
            raise UnsafeDatabaseRole(
                "the API's database role is a superuser, may bypass row level security or owns "
                "tables: connect as ticketbase_app (see README, 'Database roles')"
            )

    def pool_status(self) -> dict[str, int]:
        pool = self._engine.pool
        return {
            "checked_out": int(getattr(pool, "checkedout", lambda: 0)()),
            "idle": int(getattr(pool, "checkedin", lambda: 0)()),
            "overflow": max(int(getattr(pool, "overflow", lambda: 0)()), 0),
        }
