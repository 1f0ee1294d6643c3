"""One validation contract for every endpoint (API.md "validation" and "status codes").

400 is for what cannot be read at all (a body that is not JSON, no body where one is needed,
a header that cannot be parsed); a well-formed request that breaks the schema, a query
parameter out of range or a broken business rule is 422 ``validation_failed``, naming the field
by its path as the client wrote it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from tests.integration.http.conftest import Tenant
from tests.integration.http.identity_support import PASSWORD, register
from tests.integration.http.test_conventions import assert_problem

from ticketbase.domain.identity.permissions import Role

pytestmark = pytest.mark.anyio
REGISTER = "/api/auth/register"
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def registration(**changes: Any) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:10]
    body: dict[str, Any] = {
        "organizationName": "Acme",
        "organizationSlug": f"org-{suffix}",
        "email": f"owner-{suffix}@example.com",
        "password": PASSWORD,
        "fullName": "Olive Owner",
    }
    body.update(changes)
    return body


def fields(response: httpx.Response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


async def test_an_empty_organization_name_is_422_on_that_field(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=registration(organizationName=""))
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["organizationName"]


async def test_an_unknown_field_on_register_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=registration(plan="enterprise"))
    body = assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["plan"]
    assert "plan" in body["errors"][0]["message"]  # type: ignore[index]


async def test_a_wrong_type_is_422_on_that_field(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, json=registration(organizationName=42))
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["organizationName"]


async def test_a_missing_field_is_422_naming_it(client: httpx.AsyncClient) -> None:
    body = registration()
    del body["email"]
    response = await client.post(REGISTER, json=body)
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["email"]


async def test_an_invalid_slug_on_register_is_422_on_organization_slug(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(REGISTER, json=registration(organizationSlug="Not A Slug!"))
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["organizationSlug"]


async def test_a_blank_organization_name_is_422_on_organization_name(
    client: httpx.AsyncClient,
) -> None:
    """Passes the schema (not empty), then the domain refuses it under its own name."""
    response = await client.post(REGISTER, json=registration(organizationName="   "))
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["organizationName"]


async def test_a_weak_new_password_is_422_on_new_password(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "short"},
        headers=account.auth,
    )
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["newPassword"]


async def test_an_unknown_organization_id_on_a_new_user_is_422(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/api/users",
        json={
            "email": "new-person@example.com",
            "fullName": "New Person",
            "role": "support",
            "organizationId": str(uuid.uuid4()),
        },
        headers=tenant.auth(),
    )
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["organizationId"]


async def test_nested_paths_name_the_inner_field(client: httpx.AsyncClient, tenant: Tenant) -> None:
    url = f"/api/organizations/{tenant.organization.id}"
    unknown = await client.put(url, json={"settings": {"theme": "dark"}}, headers=tenant.auth())
    assert_problem(unknown, 422, "validation_failed")
    assert fields(unknown) == ["settings.theme"]
    wrong = await client.put(url, json={"settings": {"timezone": 3}}, headers=tenant.auth())
    assert_problem(wrong, 422, "validation_failed")
    assert fields(wrong) == ["settings.timezone"]
    item = await client.put(url, json={"customDomains": ["ok.example", 7]}, headers=tenant.auth())
    assert_problem(item, 422, "validation_failed")
    assert fields(item) == ["customDomains[1]"]


async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    for content in (b'{"organizationName": ', b"not json", b"{'single': 'quotes'}"):
        response = await client.post(
            REGISTER, content=content, headers={"content-type": "application/json"}
        )
        body = assert_problem(response, 400, "bad_request")
        assert "errors" not in body


@pytest.mark.parametrize("if_match", ['"abc"', "*", '"1", "2"'])
async def test_an_if_match_header_that_cannot_be_read_is_400(
    client: httpx.AsyncClient, tenant: Tenant, if_match: str
) -> None:
    response = await client.put(
        f"/api/organizations/{tenant.organization.id}",
        json={"name": "Renamed"},
        headers={**tenant.auth(), "if-match": if_match},
    )
    assert_problem(response, 400, "bad_request")


async def test_no_body_where_one_is_needed_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(REGISTER, headers={"content-type": "application/json"})
    assert_problem(response, 400, "bad_request")


async def test_json_that_is_not_an_object_is_422_at_the_root(client: httpx.AsyncClient) -> None:
    for content in (b"[]", b"null", b'"text"'):
        response = await client.post(
            REGISTER, content=content, headers={"content-type": "application/json"}
        )
        assert_problem(response, 422, "validation_failed")
        assert fields(response) == [""]


@pytest.mark.parametrize("value", ["0", "201", "abc"])
async def test_an_invalid_query_parameter_is_422_naming_it(
    client: httpx.AsyncClient, tenant: Tenant, value: str
) -> None:
    response = await client.get("/api/users", params={"limit": value}, headers=tenant.auth())
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["limit"]


async def test_a_query_parameter_is_named_as_the_client_wrote_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(
        "/api/users", params={"departmentId": "nope"}, headers=tenant.auth()
    )
    assert_problem(response, 422, "validation_failed")
    assert fields(response) == ["departmentId"]
    audit = await client.get("/api/audit-logs", params={"from": "yesterday"}, headers=tenant.auth())
    assert_problem(audit, 422, "validation_failed")
    assert fields(audit) == ["from"]


def body_routes(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every operation that reads a body."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            if "data" not in handler.parsed_fn_signature.parameters:
                continue
            for method in sorted(handler.http_methods & _BODY_METHODS):
                found.append((method, route.path_format, handler))
    return found


def _fill(path_format: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path_format)


async def test_every_body_refuses_an_unknown_field_with_422(
    app: Litestar, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    routes = body_routes(app)
    assert {("POST", "/api/auth/register"), ("POST", "/api/users")} <= {
        (m, p) for m, p, _ in routes
    }
    for method, path, _ in routes:
        response = await client.request(
            method, _fill(path), json={"surelyNotAField": 1}, headers=tenant.auth(Role.OWNER)
        )
        assert_problem(response, 422, "validation_failed")
        assert fields(response) == ["surelyNotAField"], (method, path, response.text)


def _struct_types(annotation: Any) -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []

    def walk(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in found:
                return
            found.append(info.cls)
            for field in info.fields:
                walk(field.type)
            return
        for attribute in ("type", "item_type", "key_type", "value_type"):
            if isinstance(inner := getattr(info, attribute, None), msgspec.inspect.Type):
                walk(inner)
        for inner in getattr(info, "types", ()) or getattr(info, "item_types", ()):
            walk(inner)

    walk(msgspec.inspect.type_info(annotation))
    return found


def test_every_request_struct_forbids_unknown_fields_at_every_depth(app: Litestar) -> None:
    checked = set()
    for _, _, handler in body_routes(app):
        annotation = handler.parsed_fn_signature.parameters["data"].annotation
        for struct in _struct_types(annotation):
            assert struct.__struct_config__.forbid_unknown_fields, struct
            checked.add(struct.__name__)
    assert {"RegisterRequest", "CreateUserRequest", "SettingsWire"} <= checked


async def test_a_nul_character_in_text_is_422_not_500(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """PostgreSQL text cannot hold U+0000: the client's input, refused as such."""
    registered = await client.post(
        REGISTER,
        json={
            "organizationName": "Nul\u0000Corp",
            "organizationSlug": f"nul-{uuid.uuid4().hex[:8]}",
            "email": f"nul-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
            "fullName": "Nul Person",
        },
    )
    assert_problem(registered, 422, "validation_failed")
    listed = await client.get("/api/users", params={"q": "a\u0000b"}, headers=tenant.auth())
    assert_problem(listed, 422, "validation_failed")
