"""ResponseCache: what may be replayed, for which request, and for how long."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from ticketbase.adapters.local.cache import CacheHub, TaggedCache
from ticketbase.application.ports.cache import ReadRecord
from ticketbase.entrypoints.http.response_cache import (
    ANONYMOUS,
    PER_TOKEN,
    ResponseCache,
    cacheable,
    response_key,
)

KEY = ("/api/auth/me", b"", b"h", b"", b"Bearer t")


def cache() -> ResponseCache:
    hub = CacheHub()
    hub.resync()
    return ResponseCache(TaggedCache(hub))


def record(until: datetime | None = None, tags: set[str] | None = None) -> ReadRecord:
    return ReadRecord(tags={"session:x"} if tags is None else tags, valid_until=until)


def test_an_answer_is_replayed_until_its_deadline() -> None:
    responses = cache()
    soon = datetime.now(UTC) + timedelta(seconds=60)
    responses.put(responses.ticket(), KEY, "/api/auth/me", [], b"{}", record(soon))
    hit = responses.get(KEY)
    assert hit is not None
    assert hit.body == b"{}"
    assert hit.valid_until == soon.timestamp()


def test_an_answer_past_its_deadline_is_never_replayed() -> None:
    responses = cache()
    past = datetime.fromtimestamp(time.time() - 1, UTC)
    responses.put(responses.ticket(), KEY, "/api/auth/me", [], b"{}", record(past))
    assert responses.get(KEY) is None


def test_an_answer_built_from_nothing_tracked_is_not_kept() -> None:
    responses = cache()
    responses.put(responses.ticket(), KEY, "/x", [], b"{}", record(tags=set()))
    assert responses.get(KEY) is None


def test_the_key_holds_the_headers_an_answer_depends_on() -> None:
    headers = [(b"host", b"a.example"), (b"x-organization", b"acme"), (b"authorization", b"B t")]
    assert response_key("/p", b"q=1", headers) == ("/p", b"q=1", b"a.example", b"acme", b"B t")
    assert response_key("/p", b"", [(b"accept", b"*/*")]) == ("/p", b"", b"", b"", b"")


def test_cors_requests_bodies_and_repeated_key_headers_take_the_framework_path() -> None:
    assert response_key("/p", b"", [(b"origin", b"https://x.example")]) is None
    assert response_key("/p", b"", [(b"content-length", b"2")]) is None
    assert response_key("/p", b"", [(b"host", b"a"), (b"host", b"b")]) is None


def test_a_route_cached_for_anonymous_readers_never_keeps_a_token_holders_answer() -> None:
    anonymous = ("/api/events/x", b"", b"h", b"acme", b"")
    with_token = ("/api/events/x", b"", b"h", b"acme", b"Bearer t")
    assert cacheable(ANONYMOUS, anonymous)
    assert not cacheable(ANONYMOUS, with_token)
    assert cacheable(PER_TOKEN, with_token)
    assert not cacheable(None, anonymous)
    assert not cacheable(True, anonymous)
