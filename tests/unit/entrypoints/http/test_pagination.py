"""Cursor pagination on the wire: opaque cursors and a bounded limit."""

from __future__ import annotations

import base64
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.application.pagination import Page, PageRequest
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.entrypoints.http.pagination import (
    decode_cursor,
    encode_cursor,
    next_cursor,
    page_request,
)


@given(st.uuids())
def test_a_cursor_round_trips_to_its_key(key: UUID) -> None:
    cursor = encode_cursor(key)
    assert cursor is not None
    assert "=" not in cursor
    assert decode_cursor(cursor) == key
    assert page_request(10, cursor).after == key


def test_cursors_are_url_safe() -> None:
    cursor = encode_cursor(UUID(int=(1 << 128) - 1))
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_no_key_means_no_cursor() -> None:
    assert encode_cursor(None) is None
    assert next_cursor(Page(items=[], next_after=None)) is None


def test_next_cursor_encodes_the_pages_next_key() -> None:
    key = UUID("0190a1b2-0000-7000-8000-00000000abcd")
    assert decode_cursor(next_cursor(Page(items=[1], next_after=key)) or "") == key


def test_defaults_to_50_from_the_start() -> None:
    assert page_request(None, None) == PageRequest(limit=50, after=None)
    assert page_request(None, "") == PageRequest(limit=50, after=None)


@pytest.mark.parametrize("limit", [1, 50, 200])
def test_accepts_limits_from_1_to_200(limit: int) -> None:
    assert page_request(limit, None).limit == limit


@pytest.mark.parametrize("limit", [0, -1, 201, 10_000])
def test_refuses_a_limit_out_of_range(limit: int) -> None:
    with pytest.raises(RuleViolated) as caught:
        page_request(limit, None)
    assert caught.value.field == "limit"
    assert caught.value.code == "validation_failed"


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "!!!!",
        "not a cursor",
        "é",
        base64.urlsafe_b64encode(b"x" * 15).decode(),
        base64.urlsafe_b64encode(b"x" * 17).decode(),
        "A",
    ],
)
def test_refuses_a_cursor_it_did_not_give_out(cursor: str) -> None:
    with pytest.raises(RuleViolated) as caught:
        page_request(20, cursor)
    assert caught.value.field == "cursor"
    assert caught.value.code == "validation_failed"
