"""A fake of the plugin server (PLUGIN-SERVER.md), served over real HTTP on loopback.

``FakePluginServer`` runs a stdlib ``ThreadingHTTPServer`` in a thread, so the gateway under
test goes through real sockets, headers, timeouts and connection pooling. It keeps the rules
that matter to TicketBase:

- every call must carry a service token: an HS256 JWT with the shared secret, ``iss``
  ``ticketbase-api``, ``aud`` ``plugin-server``, living at most 60 s (401 otherwise); the
  claims of each call are recorded, with the headers;
- ``GET /plugins`` (the catalog), ``GET /plugins/{id}`` (404 unknown), ``GET /plugins/{id}/bundle``
  (streamed bytes), ``POST /tenants/{t}/plugins/{id}/install`` (once per ``Idempotency-Key``:
  a repeated key does nothing more) and ``DELETE`` of the same (404 once gone);
- anything under ``/proxy/`` echoes the request as JSON: method, raw path and query, headers,
  body, so a test sees exactly what was forwarded.

Knobs for the failure modes: ``down()``/``up()`` (nothing listens on the port), ``hang(seconds)``
(answers held back), ``garbage(True)`` (bytes that are not HTTP, then the socket closes),
``huge(n, declare_length)`` (a proxied answer of ``n`` bytes), ``fail_next(n, status)``. The
status webhook the plugin server sends is built by ``status_webhook`` (``secret=`` another
secret makes a wrong signature).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt

DEFAULT_SECRET = "plugin-server-test-secret-0123456789abcdef"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # raw, query included
    headers: dict[str, str]  # lower-cased names
    claims: dict[str, Any] | None
    body: bytes


@dataclass
class _Knobs:
    hang_seconds: float = 0.0
    garbage: bool = False
    huge_bytes: int = 0
    huge_declared: bool = True
    failures: list[int] = field(default_factory=list)


def manifest(
    plugin_id: str,
    version: str = "1.0.0",
    *,
    requires: list[dict[str, str]] | None = None,
    schema: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": plugin_id,
        "name": plugin_id.title(),
        "version": version,
        "description": f"The {plugin_id} plugin",
        "requires": requires or [],
        "configSchema": schema or {"type": "object"},
    }


def status_webhook(
    tenant_id: str,
    plugin_id: str,
    status: str,
    *,
    secret: str = DEFAULT_SECRET,
    at: datetime | None = None,
    detail: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the plugin server's ``POST /api/plugins/webhooks/status``."""
    payload: dict[str, Any] = {
        "tenantId": tenant_id,
        "pluginId": plugin_id,
        "status": status,
        "at": (at or datetime.now(UTC)).isoformat(),
    }
    if detail is not None:
        payload["detail"] = detail
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-signature": f"sha256={signature}"}


class FakePluginServer:
    def __init__(self, secret: str = DEFAULT_SECRET) -> None:
        self.secret = secret
        self.catalog: dict[str, dict[str, Any]] = {}
        self.installed: set[tuple[str, str]] = set()
        self.install_calls = 0
        self.requests: list[Recorded] = []
        self._keys: set[str] = set()
        self._knobs = _Knobs()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # --- life --------------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        server.allow_reuse_address = True
        self._port = server.server_address[1]
        self._server = server
        self._release.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def down(self) -> None:
        """Nothing listens on the port any more (connection refused)."""
        self.stop()

    def up(self) -> None:
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # --- knobs -------------------------------------------------------------------------------

    def add(self, *manifests: dict[str, Any]) -> None:
        with self._lock:
            for m in manifests:
                self.catalog[m["id"]] = m

    def hang(self, seconds: float) -> None:
        self._knobs.hang_seconds = seconds
        if seconds == 0:
            self._release.set()
            self._release = threading.Event()

    def garbage(self, on: bool = True) -> None:
        self._knobs.garbage = on

    def huge(self, size: int, *, declare_length: bool = True) -> None:
        self._knobs.huge_bytes, self._knobs.huge_declared = size, declare_length

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._knobs.failures.extend([status] * count)

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # --- the API -----------------------------------------------------------------------------

    def claims_of(self, authorization: str) -> dict[str, Any] | None:
        token = authorization.removeprefix("Bearer ")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                audience="plugin-server",
                issuer="ticketbase-api",
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        if claims["exp"] - time.time() > 61:
            return None
        return claims

    def route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        bare, _, query = path.partition("?")
        parts = bare.strip("/").split("/")
        if parts[0] == "proxy":
            if self._knobs.huge_bytes:
                size = self._knobs.huge_bytes
                head = {"content-type": "application/octet-stream"}
                if self._knobs.huge_declared:
                    head["content-length"] = str(size)
                return 200, head, b"x" * size
            echo = {
                "method": method,
                "path": bare,
                "query": query,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
            }
            return _json(200, echo, {"set-cookie": "plugin=1", "etag": '"v1"', "x-internal": "1"})
        if method == "GET" and parts == ["plugins"]:
            with self._lock:
                return _json(200, list(self.catalog.values()))
        if method == "GET" and len(parts) == 2 and parts[0] == "plugins":
            with self._lock:
                found = self.catalog.get(parts[1])
            return _json(200, found) if found else _json(404, {"error": "unknown plugin"})
        if method == "GET" and len(parts) == 3 and parts[0] == "plugins" and parts[2] == "bundle":
            return 200, {"content-type": "application/javascript"}, b"export default {};\n"
        if len(parts) >= 4 and parts[0] == "tenants" and parts[2] == "plugins":
            return self._tenant_call(method, parts, headers)
        return _json(404, {"error": "no such route"})

    def _tenant_call(
        self, method: str, parts: list[str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        tenant, plugin_id = parts[1], parts[3]
        key = headers.get("idempotency-key", "")
        with self._lock:
            if method == "POST" and parts[4:] == ["install"]:
                if plugin_id not in self.catalog:
                    return _json(404, {"error": "unknown plugin"})
                if key and key in self._keys:
                    return _json(200, {"installed": True, "replayed": True})
                self._keys.add(key)
                self.install_calls += 1
                self.installed.add((tenant, plugin_id))
                return _json(201, {"installed": True})
            if method == "DELETE" and parts[4:] == []:
                if (tenant, plugin_id) not in self.installed:
                    return _json(404, {"error": "not installed"})
                self.installed.discard((tenant, plugin_id))
                return 204, {}, b""
        return _json(405, {"error": "method not allowed"})


def _json(
    status: int, data: object, extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": "application/json", **(extra or {})}, json.dumps(data).encode()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakePluginServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        fake = self.server_fake
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body(headers)
        claims = fake.claims_of(headers.get("authorization", ""))
        with fake._lock:
            fake.requests.append(Recorded(self.command, self.path, headers, claims, body))
            failure = fake._knobs.failures.pop(0) if fake._knobs.failures else None
        knobs = fake._knobs
        if knobs.hang_seconds:
            fake._release.wait(knobs.hang_seconds)
        if knobs.garbage:
            self.wfile.write(b"\x00\x01 this is not HTTP \xff\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if failure is not None:
            status, head, payload = _json(failure, {"error": "failing on purpose"})
        elif claims is None:
            status, head, payload = _json(401, {"error": "bad service token"})
        else:
            status, head, payload = fake.route(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in head.items():
            self.send_header(name, value)
        chunked = "content-length" not in head and status not in (204, 304)
        if chunked:
            self.send_header("transfer-encoding", "chunked")
        elif "content-length" not in head:
            self.send_header("content-length", "0")
        self.end_headers()
        try:
            if chunked:
                for start in range(0, len(payload), 65536):
                    piece = payload[start : start + 65536]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif status not in (204, 304):
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(headers.get("content-length", "0") or 0))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
