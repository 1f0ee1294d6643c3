"""Validation problems: which status, and each failing field named by its path as sent."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import HeaderParameter, JSONBody, QueryParameter
from litestar.testing import TestClient

from ticketbase.entrypoints.http.problems import handle_exception, msgspec_field_error
from ticketbase.entrypoints.http.wire import Wire


class Venue(Wire):
    city: Annotated[str, msgspec.Meta(min_length=1)]


class Item(Wire):
    quantity: Annotated[int, msgspec.Meta(ge=1)]


class Metadata(Wire):
    label: Annotated[str, msgspec.Meta(min_length=1)]


class EventRequest(Wire):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    venue: Venue | None = None
    items: list[Item] = msgspec.field(default_factory=list)
    # Litestar's own key drops "data." with str.replace and would say "metalabel".
    metadata: Metadata | None = None


def msgspec_text(body: dict[str, Any]) -> str:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(msgspec.json.encode(body), type=EventRequest)
    return str(caught.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({}, "name"),
        ({"name": "x", "extra": 1}, "extra"),
        ({"name": "x", "venue": {"city": ""}}, "venue.city"),
        ({"name": "x", "venue": {}}, "venue.city"),
        ({"name": "x", "venue": {"city": "Graz", "zip": "8010"}}, "venue.zip"),
        ({"name": "x", "items": [{"quantity": 2}, {"quantity": 0}]}, "items[1].quantity"),
        ({"name": "x", "items": [{}]}, "items[0].quantity"),
        ({"name": "x", "items": [{"quantity": 1, "price": 3}]}, "items[0].price"),
        ({"name": "x", "metadata": {"label": ""}}, "metadata.label"),
    ],
)
def test_msgspec_errors_name_the_path_as_the_client_wrote_it(
    body: dict[str, Any], field: str
) -> None:
    error = msgspec_field_error(msgspec_text(body))
    assert error.field == field
    assert " - at " not in error.message


def test_the_body_itself_has_the_empty_path() -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.json.decode(b"[]", type=EventRequest)
    assert msgspec_field_error(str(caught.value)).field == ""


@post("/events", status_code=201)
async def create_event(data: JSONBody[EventRequest]) -> None:
    return None


@get("/events")
async def list_events(
    limit: Annotated[int | None, QueryParameter(ge=1, le=200)] = None,
    venue_id: Annotated[int | None, QueryParameter(name="venueId")] = None,
    version: Annotated[int | None, HeaderParameter(name="X-Version")] = None,
) -> None:
    return None


@get("/required")
async def needs_parameters(
    q: Annotated[str, QueryParameter()], token: Annotated[str, HeaderParameter(name="X-Token")]
) -> None:
    return None


@pytest.fixture(scope="module")
def client() -> Any:
    app = Litestar(
        [create_event, list_events, needs_parameters],
        exception_handlers={Exception: handle_exception},
    )
    with TestClient(app) as test_client:
        yield test_client


def problem(response: Any, status: int, code: str) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return [e["field"] for e in body.get("errors") or []]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "venue": {"city": ""}}, "venue.city"),
        ({"name": "x", "venue": {"city": "Graz", "zip": "8010"}}, "venue.zip"),
        ({"name": "x", "items": [{"quantity": 0}]}, "items[0].quantity"),
        ({"name": "x", "metadata": {"label": ""}}, "metadata.label"),
        ({"name": "x", "metadata": {"label": "a", "data": 1}}, "metadata.data"),
        ({"name": 7}, "name"),
        ({"name": "x", "unknown": True}, "unknown"),
        ({}, "name"),
    ],
)
def test_a_body_that_breaks_the_schema_is_422_on_its_path(
    client: Any, body: dict[str, Any], field: str
) -> None:
    assert problem(client.post("/events", json=body), 422, "validation_failed") == [field]


def test_a_body_that_is_not_json_is_400(client: Any) -> None:
    response = client.post(
        "/events", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert problem(response, 400, "bad_request") == []
    assert "not valid JSON" in response.json()["detail"]


def test_a_missing_body_is_400(client: Any) -> None:
    response = client.post("/events", headers={"content-type": "application/json"})
    assert problem(response, 400, "bad_request") == []


def test_query_parameters_are_422_under_the_name_the_client_used(client: Any) -> None:
    assert problem(client.get("/events?limit=0"), 422, "validation_failed") == ["limit"]
    assert problem(client.get("/events?venueId=abc"), 422, "validation_failed") == ["venueId"]
    both = client.get("/events?limit=abc&venueId=abc")
    assert sorted(problem(both, 422, "validation_failed")) == ["limit", "venueId"]
    missing = client.get("/required", headers={"x-token": "t"})
    assert problem(missing, 422, "validation_failed") == ["q"]


def test_a_header_that_cannot_be_parsed_is_400(client: Any) -> None:
    response = client.get("/events", headers={"x-version": "three"})
    assert problem(response, 400, "bad_request") == ["X-Version"]
    missing = client.get("/required?q=x")
    assert problem(missing, 400, "bad_request") == ["X-Token"]
