"""Page.from_rows: one extra row read tells whether another page exists."""

from __future__ import annotations

from uuid import UUID

import pytest

from ticketbase.application.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageRequest

KEYS = [UUID(int=n) for n in range(10, 0, -1)]


def test_defaults_follow_the_api() -> None:
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (50, 200)
    assert PageRequest().limit == 50
    assert PageRequest(limit=7).fetch == 8


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_up_to_limit_rows_make_a_last_page(rows: int) -> None:
    page = Page.from_rows(KEYS[:rows], PageRequest(limit=3), key=lambda k: k)
    assert page.items == KEYS[:rows]
    assert page.next_after is None


def test_one_more_row_than_the_limit_is_dropped_and_gives_the_next_key() -> None:
    page = Page.from_rows(KEYS[:4], PageRequest(limit=3), key=lambda k: k)
    assert page.items == KEYS[:3]
    assert page.next_after == KEYS[2]
