"""What may pass the plugin proxy: which paths, which headers.

Paths. ``/api/plugins/proxy/{path}`` forwards to ``/proxy/{path}`` of the plugin server, and
must never reach anything outside that root, however the path is spelled. The path is taken
as the client sent it (still percent-encoded: a framework's decoded path would already have
turned ``%2e%2e`` into ``..``) and refused (``InvalidProxyPath``) unless:

- every character is one RFC 3986 allows in a path (no backslash, space, control or non-ASCII
  character, no ``?``/``#``), and every ``%`` starts a valid escape;
- it does not start with ``/`` and has no empty segment (``//host`` is a scheme-relative URL,
  and an empty first segment would make one);
- decoding it again and again (up to a few times, to catch double encoding) never yields a
  ``/``, ``\\`` or control character that was not there as such, and no decoding has a ``.`` or
  ``..`` segment;
- its first segment has no ``:`` (``http:``: an absolute URL).

What passes is forwarded exactly as received, so the plugin server decodes the same bytes this
check looked at.

Headers. Both directions use an allow-list: a header not named here is dropped. The client's
``Authorization`` (TicketBase's own token), cookies, hop-by-hop headers and anything naming
hosts or identities are never forwarded; the gateway adds the service token, ``X-Tenant-Id``
and ``X-Request-ID`` itself. Answers keep what describes their body and its caching, never
``Set-Cookie`` (the plugin server cannot set cookies on TicketBase's origin).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from ticketbase.domain.shared.errors import RuleViolated

MAX_PATH_LENGTH = 2048
_DECODING_ROUNDS = 4
_PATH_CHARACTERS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$")
_FORBIDDEN_DECODED = re.compile(r"[\\\x00-\x1f\x7f]")

REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "content-encoding",
        "content-language",
        "content-length",
        "content-type",
        "idempotency-key",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "range",
    }
)
RESPONSE_HEADERS = frozenset(
    {
        "accept-ranges",
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-range",
        "content-type",
        "etag",
        "expires",
        "last-modified",
        "retry-after",
        "vary",
    }
)
# Never forwarded, whatever the allow-lists above say (a guard against their growing).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
NEVER = HOP_BY_HOP | {"authorization", "cookie", "set-cookie", "host", "x-tenant-id"}


class InvalidProxyPath(RuleViolated):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="path")


def normalise_proxy_path(raw: str) -> str:
    """The path to forward below ``/proxy/``, or ``InvalidProxyPath``."""
    if not raw:
        raise InvalidProxyPath("name a plugin route below the proxy root")
    if len(raw) > MAX_PATH_LENGTH:
        raise InvalidProxyPath(f"a proxy path has at most {MAX_PATH_LENGTH} characters")
    if not _PATH_CHARACTERS.match(raw):
        raise InvalidProxyPath("the path holds characters a URL path cannot")
    if raw.startswith("/") or "//" in raw:
        raise InvalidProxyPath("the path has an empty segment")
    if ":" in unquote(raw.split("/", 1)[0]):
        raise InvalidProxyPath("the path looks like an absolute URL")
    slashes = raw.count("/")
    current = raw
    for _ in range(_DECODING_ROUNDS + 1):
        segments = current.split("/")
        if any(segment in (".", "..") for segment in segments):
            raise InvalidProxyPath("the path climbs out of the proxy root")
        if current.count("/") != slashes or _FORBIDDEN_DECODED.search(current):
            raise InvalidProxyPath("the path hides separators in escapes")
        try:
            decoded = unquote(current, errors="strict") if "%" in current else current
        except UnicodeDecodeError:
            raise InvalidProxyPath("the path's escapes are not UTF-8") from None
        if decoded == current:
            return raw
        current = decoded
    raise InvalidProxyPath("the path is encoded too many times")


def plugin_of(path: str) -> str:
    """The first segment: plugin routes live below their plugin's id by convention."""
    return unquote(path.split("/", 1)[0])


def forwardable_request_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return _allowed(headers, REQUEST_HEADERS)


def forwardable_response_headers(
    headers: Iterable[tuple[str, str]],
) -> tuple[tuple[str, str], ...]:
    return _allowed(headers, RESPONSE_HEADERS)


def _allowed(
    headers: Iterable[tuple[str, str]], allowed: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    pairs = [(name.lower(), value) for name, value in headers]
    # ``Connection: foo`` makes ``foo`` hop-by-hop for this message too.
    named = {
        token.strip().lower()
        for name, value in pairs
        if name == "connection"
        for token in value.split(",")
    }
    return tuple(
        (name, value)
        for name, value in pairs
        if name in allowed and name not in NEVER and name not in named
    )
