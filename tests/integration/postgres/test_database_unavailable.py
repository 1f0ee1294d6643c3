"""An unreachable database is a DependencyUnavailable (HTTP 503), not an internal error."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.engine import make_url
from tests.integration.conftest import free_port

from ticketbase.adapters.postgres.engine import create_engine
from ticketbase.adapters.postgres.unit_of_work import PostgresUnitOfWork
from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.domain.shared.ids import OrganizationId

pytestmark = pytest.mark.anyio


async def test_a_closed_port_is_reported_as_the_database_being_unavailable() -> None:
    url = make_url(f"postgresql+asyncpg://ticketbase_app@127.0.0.1:{free_port()}/nothing")
    engine = create_engine(url, pool_size=1, max_overflow=0)
    uow = PostgresUnitOfWork(engine)
    try:
        with pytest.raises(DependencyUnavailable) as caught:
            async with uow.for_tenant(OrganizationId(uuid.uuid4())):
                pass
        assert caught.value.dependency == "database"
        with pytest.raises(DependencyUnavailable):
            async with uow.lookups():
                pass
    finally:
        await engine.dispose()
