"""Every answer matches the OpenAPI document: schemathesis drives each operation of the
document against the app on the test database, anonymously and as an owner.

Generated clients (openapi-typescript) trust the document; an answer that is not what it
declares (another schema, an undeclared status or content type, any 5xx) fails here.

The document is built when the module is imported (no database needed for that), so pytest
gets one test per operation; the app that answers runs on the real test database.
(``schemathesis.pytest.from_fixture`` would load it from a fixture instead, but breaks on
pytest 9.2; for the same reason the test ids do not show the operation: its failure report
does, with a curl command that reproduces it.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import URL
from tests.fakes.plugin_server import DEFAULT_SECRET, FakePluginServer, manifest
from tests.integration.http.openapi_support import openapi_document

from ticketbase.entrypoints.http.app import create_app
from ticketbase.entrypoints.settings import Settings

JWT_SECRET = "integration-tests-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# A few examples per operation, the same ones on every run.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260501,
        "generation": {"max-examples": 5, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)


DOCUMENT = openapi_document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@pytest.fixture(scope="module")
def plugin_server() -> Iterator[FakePluginServer]:
    fake = FakePluginServer()
    fake.add(manifest("seating"), manifest("payments", "2.0.0"))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def served_app(
    database_url: URL, tmp_path_factory: pytest.TempPathFactory, plugin_server: FakePluginServer
) -> Iterator[Litestar]:
    served = create_app(
        Settings(
            database_url=database_url.render_as_string(hide_password=False),
            data_dir=tmp_path_factory.mktemp("conformance"),
            jwt_secret=JWT_SECRET,
            log_format="json",
            log_level="WARNING",
            database_pool_size=4,
            # High enough that the auth routes are exercised rather than all answering 429.
            rate_limit_auth="100000/1m",
            rate_limit_login="100000/1m",
            rate_limit_login_ip="100000/1m",
            # A plugin server that answers, so the plugin routes are checked (not 503).
            plugin_server_url=plugin_server.url,
            plugin_server_secret=DEFAULT_SECRET,
        )
    )
    try:
        yield served
    finally:
        # schemathesis starts the lifespan on its own event loop at the first call.
        asgi.shutdown_lifespans()


def test_the_document_is_the_one_served(served_app: Litestar) -> None:
    with asgi.get_client(served_app) as client:
        assert client.get("/schema/openapi.json").json() == DOCUMENT


@schema.parametrize()
def test_anonymous_answers_match_the_document(case: Any, served_app: Litestar) -> None:
    case.call_and_validate(app=served_app, checks=CHECKS)


@dataclass
class Owner:
    """An owner registered over HTTP, with one session per operation: a logout in one
    operation does not sign the others out."""

    email: str = field(default_factory=lambda: f"owner-{uuid.uuid4().hex[:10]}@example.com")
    slug: str = field(default_factory=lambda: f"conf-{uuid.uuid4().hex[:10]}")
    organization_id: str = ""
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, case: Any, app: Litestar) -> str:
        label = case.operation.label
        if label not in self.tokens:
            if not self.organization_id:
                self._register(app)
            answer = (
                schema["/api/auth/login"]["POST"]
                .Case(body={"email": self.email, "password": PASSWORD})
                .call(app=app)
            )
            assert answer.status_code == 200, answer.text
            self.tokens[label] = answer.json()["tokens"]["accessToken"]
        return self.tokens[label]

    def _register(self, app: Litestar) -> None:
        answer = (
            schema["/api/auth/register"]["POST"]
            .Case(
                body={
                    "organizationName": "Conformance",
                    "organizationSlug": self.slug,
                    "email": self.email,
                    "password": PASSWORD,
                    "fullName": "Olive Owner",
                }
            )
            .call(app=app)
        )
        assert answer.status_code == 201, answer.text
        self.organization_id = answer.json()["organization"]["id"]

    def aim(self, case: Any) -> None:
        """Point requests about an organization at the owner's own, so that its success
        answers are checked too (random ids and hosts only ever find nothing)."""
        path = case.operation.path
        if path == "/api/organizations/{id}" and _is_uuid(case.path_parameters.get("id")):
            case.path_parameters["id"] = self.organization_id
        elif path == "/api/organizations/by-domain" and "domain" not in (case.query or {}):
            case.headers["X-Organization"] = self.slug


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def owner() -> Owner:
    return Owner()


@schema.parametrize()
def test_owner_answers_match_the_document(case: Any, served_app: Litestar, owner: Owner) -> None:
    token = owner.token(case, served_app)
    owner.aim(case)
    case.call_and_validate(
        app=served_app, checks=CHECKS, headers={"authorization": f"Bearer {token}"}
    )
