"""What may pass the plugin proxy: paths that stay below the proxy root, safe headers only."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketbase.application.plugins.proxy_rules import (
    InvalidProxyPath,
    forwardable_request_headers,
    forwardable_response_headers,
    normalise_proxy_path,
    plugin_of,
)

BASE = "http://plugins.internal:9000"


@pytest.mark.parametrize(
    "raw",
    [
        "seating/maps/1",
        "seating/maps/a%20b",
        "seating/",
        "seating/x.y/..z/z..",
        "seating/search;v=1/@me",
        "seating/%25",  # a literal percent sign, encoded once
    ],
)
def test_ordinary_paths_pass_unchanged(raw: str) -> None:
    assert normalise_proxy_path(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "..",
        "seating/../../admin",
        "seating/./x",
        "%2e%2e/admin",
        "seating/%2E%2E/%2e%2E",
        "seating/.%2e/x",
        "seating%2f..%2fadmin",
        "seating/a%2Fb",
        "seating/%252e%252e/x",  # double encoded
        "seating/%25252e%25252e/x",  # triple
        "seating\\..\\admin",
        "seating/%5c..%5cadmin",
        "/evil.example/x",  # //evil.example once the root's slash is put back
        "seating//x",
        "http://evil.example/x",
        "http:/x",
        "seating/%00",
        "seating/%ff",
        "seating/a b",
        "seating/é",
        "seating/x?y",
        "seating/x#y",
        "a" * 3000,
    ],
)
def test_paths_that_could_leave_the_root_are_refused(raw: str) -> None:
    with pytest.raises(InvalidProxyPath) as refused:
        normalise_proxy_path(raw)
    assert refused.value.field == "path"


def _resolved(path: str) -> str:
    """What a server that decodes (even repeatedly) and resolves dot segments would serve."""
    decoded = path
    for _ in range(6):
        decoded = unquote(decoded)
    return posixpath.normpath("/proxy/" + decoded.replace("\\", "/"))


@settings(max_examples=600, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    ".",
                    "..",
                    "%2e",
                    "%2E",
                    "%2f",
                    "%2F",
                    "%5c",
                    "%25",
                    "/",
                    "//",
                    "\\",
                    ":",
                    "%",
                    "http:",
                    "a",
                    "b",
                    "-",
                    "~",
                    "@",
                    "%00",
                    "%20",
                    "2e",
                    "2f",
                    "25",
                ]
            ),
            st.text(max_size=3),
        ),
        max_size=12,
    ).map("".join)
)
def test_no_normalised_path_ever_escapes_the_proxy_root(raw: str) -> None:
    try:
        path = normalise_proxy_path(raw)
    except InvalidProxyPath:
        return
    resolved = _resolved(path)
    assert resolved == "/proxy" or resolved.startswith("/proxy/"), (raw, resolved)
    url = httpx.URL(f"{BASE}/proxy/{path}")
    assert (url.scheme, url.host, url.port) == ("http", "plugins.internal", 9000)
    assert url.path.startswith("/proxy/")
    assert ".." not in url.path.split("/")


def test_the_plugin_is_the_first_segment() -> None:
    assert plugin_of("seating/maps/1") == "seating"
    assert plugin_of("a%2Db/x") == "a-b"


def test_only_safe_request_headers_are_forwarded() -> None:
    forwarded = dict(
        forwardable_request_headers(
            [
                ("Authorization", "Bearer the-users-token"),
                ("Cookie", "session=1"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("If-None-Match", '"v1"'),
                ("Connection", "keep-alive, X-Custom"),
                ("Keep-Alive", "timeout=5"),
                ("Transfer-Encoding", "chunked"),
                ("Upgrade", "websocket"),
                ("Proxy-Authorization", "Basic x"),
                ("Host", "api.example"),
                ("X-Forwarded-For", "10.0.0.1"),
                ("X-Tenant-Id", "someone-else"),
                ("X-Custom", "1"),
                ("TE", "trailers"),
            ]
        )
    )
    assert forwarded == {
        "content-type": "application/json",
        "accept": "application/json",
        "if-none-match": '"v1"',
    }


def test_an_allowed_header_named_in_connection_becomes_hop_by_hop() -> None:
    forwarded = forwardable_request_headers([("connection", "accept"), ("accept", "*/*")])
    assert forwarded == ()


def test_answers_keep_body_and_cache_headers_never_cookies() -> None:
    kept = dict(
        forwardable_response_headers(
            [
                ("Content-Type", "text/csv"),
                ("ETag", '"v2"'),
                ("Cache-Control", "max-age=60"),
                ("Set-Cookie", "plugin=1"),
                ("Connection", "close"),
                ("Transfer-Encoding", "chunked"),
                ("Server", "plugin-server/1.0"),
                ("X-Internal-Node", "n3"),
                ("Location", "http://plugins.internal/x"),
            ]
        )
    )
    assert kept == {"content-type": "text/csv", "etag": '"v2"', "cache-control": "max-age=60"}
