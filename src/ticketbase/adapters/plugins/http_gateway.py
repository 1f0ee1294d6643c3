"""``HttpPluginGateway``: the plugin server (PLUGIN-SERVER.md) over one shared httpx client.

Transport rules, each where a reader looks for it:

- **Identity.** Every call carries ``Authorization: Bearer <service token>`` (``ServiceTokens``),
  ``X-Tenant-Id`` when it acts for a tenant, and ``X-Request-ID``.
- **Time.** Connect and read timeouts on every request (the shared client's own defaults do not
  apply); getting the answer's headers is bounded by connect + read as a whole, and a JSON body
  by the read timeout as a whole, so a server that trickles a byte at a time cannot hold a
  request for longer. A proxied body streams with the read timeout between chunks.
- **Size.** A JSON answer or a proxied body past ``max_response_bytes`` is refused (a declared
  ``Content-Length`` before reading; otherwise while reading): never buffered whole.
- **Retries.** Only idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE) whose body can be sent
  again (none, or bytes: a streamed proxy body is sent once), only for what may heal
  (connection refused or reset, an unreadable answer, 502/503/504), a bounded number of times
  with exponential backoff and jitter. POST (install) is never retried here: the outbox retries
  it with the same ``Idempotency-Key``.
- **Circuit breaker.** One per plugin server (this gateway's base URL): each attempt is
  admitted by it; connection failures, timeouts, unreadable answers and 5xx answers to our own
  calls (502/503/504 only for proxied plugin routes, whose 500 is the plugin's business) count
  against the server. Open → ``PluginServerUnavailable`` at once, no socket touched.
- **Failures** become the port's three errors (503 unavailable / 504 timeout / 502 bad answer)
  with texts that never hold the token or the secret.
- **Usage.** One ``PluginUsage`` record per call (per proxied request: when its body is done).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

import httpx
import structlog

from ticketbase.adapters.plugins.circuit_breaker import CircuitBreaker, CircuitOpen, Verdict
from ticketbase.adapters.plugins.service_token import ServiceTokens
from ticketbase.application.ports.plugins import (
    PluginManifest,
    PluginServerBadAnswer,
    PluginServerTimeout,
    PluginServerUnavailable,
    PluginUsage,
    ProxyRequest,
    ServiceIdentity,
)
from ticketbase.domain.plugins.errors import PluginNotFound
from ticketbase.domain.plugins.installed_plugin import Json, Requirement, valid_plugin_id

log = structlog.get_logger()
T = TypeVar("T")

IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_GATEWAY_TROUBLE: Final = frozenset({502, 503, 504})
_DONE_INSTALLING: Final = frozenset({200, 201, 202, 204, 409})
_DONE_UNINSTALLING: Final = frozenset({200, 202, 204, 404, 410})
MAX_KNOWN_PLUGINS: Final = 1000


class _Retry(Exception):
    """An attempt failed in a way that may heal; ``error`` is what to raise if none is left."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True, slots=True)
class GatewayLimits:
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    max_response_bytes: int = 10 * 1024 * 1024
    max_attempts: int = 3
    backoff: float = 0.2

    def __post_init__(self) -> None:
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.max_attempts < 1 or self.max_response_bytes < 1:
            raise ValueError("attempts and the response cap must be at least 1")


class HttpPluginGateway:
    def __init__(
        self,
        base_url: str,
        tokens: ServiceTokens,
        client: httpx.AsyncClient,
        usage: PluginUsage,
        *,
        limits: GatewayLimits | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``client`` is shared and closed by its owner (the container)."""
        self._base = base_url.rstrip("/")
        self._tokens, self._client, self._usage = tokens, client, usage
        self._limits = limits or GatewayLimits()
        self._breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._timeout = httpx.Timeout(
            self._limits.read_timeout, connect=self._limits.connect_timeout
        )
        self._known: set[str] = set()

    def __repr__(self) -> str:
        return f"HttpPluginGateway(base_url={self._base!r})"

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    def _label(self, plugin_id: str | None) -> str | None:
        """The metrics' plugin label: an id the plugin server's answers named, ``other`` for
        any other id (a client picks proxy paths: they must not mint label values)."""
        if plugin_id is None:
            return None
        return plugin_id if plugin_id in self._known else "other"

    # --- the calls ------------------------------------------------------------------------------

    async def catalog(self, identity: ServiceIdentity) -> list[PluginManifest]:
        status, data = await self._json_call("GET", "/plugins", identity, plugin_id=None)
        if status != 200 or not isinstance(data, list):
            raise PluginServerBadAnswer(f"the catalog answered {status} without a list")
        return [self._learn(_manifest(item)) for item in data]

    async def manifest(self, plugin_id: str, identity: ServiceIdentity) -> PluginManifest | None:
        if not valid_plugin_id(plugin_id):
            return None
        status, data = await self._json_call(
            "GET", f"/plugins/{plugin_id}", identity, plugin_id=plugin_id
        )
        if status == 404:
            return None
        if status != 200:
            raise PluginServerBadAnswer(f"a manifest answered {status}")
        manifest = _manifest(data)
        if manifest.id != plugin_id:
            raise PluginServerBadAnswer("a manifest answered for another plugin")
        return self._learn(manifest)

    async def install(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        status, _ = await self._json_call(
            "POST",
            self._tenant_path(plugin_id, identity) + "/install",
            identity,
            plugin_id=plugin_id,
            headers={"idempotency-key": idempotency_key},
        )
        if status == 404:
            raise PluginNotFound(f"the plugin server does not know {plugin_id}")
        if status not in _DONE_INSTALLING:
            raise PluginServerBadAnswer(f"install answered {status}")

    async def uninstall(
        self, plugin_id: str, identity: ServiceIdentity, idempotency_key: str
    ) -> None:
        status, _ = await self._json_call(
            "DELETE",
            self._tenant_path(plugin_id, identity),
            identity,
            plugin_id=plugin_id,
            headers={"idempotency-key": idempotency_key},
        )
        if status not in _DONE_UNINSTALLING:
            raise PluginServerBadAnswer(f"uninstall answered {status}")

    async def proxy(self, request: ProxyRequest) -> _StreamedAnswer:
        started = time.perf_counter()
        url = f"{self._base}/proxy/{request.path}"
        if request.query:
            url += f"?{request.query}"
        label = self._label(request.plugin_id)
        org = request.identity.organization_id
        try:
            response = await self._send(
                request.method,
                url,
                request.identity,
                headers=dict(request.headers),
                content=request.body,
                server_failures=_GATEWAY_TROUBLE,
            )
        except BaseException:
            self._usage.record(label, org, time.perf_counter() - started, failed=True)
            raise
        declared = _declared_length(response)
        if declared is not None and declared > self._limits.max_response_bytes:
            await response.aclose()
            self._usage.record(label, org, time.perf_counter() - started, failed=True)
            raise PluginServerBadAnswer(f"a proxied answer declares {declared} bytes")

        def done(failed: bool) -> None:
            failed = failed or response.status_code >= 500
            self._usage.record(label, org, time.perf_counter() - started, failed=failed)

        return _StreamedAnswer(response, self._limits.max_response_bytes, done)

    async def check(self) -> None:
        response = await self._send(
            "GET", f"{self._base}/plugins", ServiceIdentity(None), server_failures=None
        )
        await response.aclose()
        if response.status_code != 200:
            raise PluginServerUnavailable(f"the catalog answered {response.status_code}")

    # --- transport ------------------------------------------------------------------------------

    @staticmethod
    def _tenant_path(plugin_id: str, identity: ServiceIdentity) -> str:
        if identity.organization_id is None:
            raise ValueError("a tenant's plugin call needs the tenant")
        if not valid_plugin_id(plugin_id):
            raise PluginNotFound(f"{plugin_id!r} is not a plugin id")
        return f"/tenants/{identity.organization_id}/plugins/{plugin_id}"

    def _learn(self, manifest: PluginManifest) -> PluginManifest:
        if len(self._known) < MAX_KNOWN_PLUGINS:
            self._known.add(manifest.id)
        return manifest

    async def _json_call(
        self,
        method: str,
        path: str,
        identity: ServiceIdentity,
        *,
        plugin_id: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, object]:
        started = time.perf_counter()
        label = self._label(plugin_id)
        failed = True
        try:
            status, data = await self._send_and_read(method, path, identity, headers or {})
            failed = status >= 500
            return status, data
        finally:
            seconds = time.perf_counter() - started
            self._usage.record(label, identity.organization_id, seconds, failed=failed)

    async def _send_and_read(
        self, method: str, path: str, identity: ServiceIdentity, headers: Mapping[str, str]
    ) -> tuple[int, object]:
        """One JSON call: status and parsed body (None when empty), retried as allowed."""

        async def read(response: httpx.Response, verdict: Verdict) -> tuple[int, object]:
            try:
                body = await self._read_capped(response)
            except (PluginServerBadAnswer, PluginServerTimeout):
                verdict.failed()
                raise
            if response.status_code >= 500:
                return response.status_code, None
            if not body.strip():
                return response.status_code, None
            try:
                return response.status_code, json.loads(body)
            except ValueError:
                verdict.failed()
                raise PluginServerBadAnswer(f"{method} {path} answered with invalid JSON") from None

        return await self._attempts(
            method,
            f"{self._base}{path}",
            identity,
            headers=dict(headers),
            content=None,
            server_failures=frozenset(range(500, 600)),
            after=read,
        )

    async def _send(
        self,
        method: str,
        url: str,
        identity: ServiceIdentity,
        *,
        headers: Mapping[str, str] | None = None,
        content: AsyncIterator[bytes] | bytes | None = None,
        server_failures: frozenset[int] | None,
    ) -> httpx.Response:
        """Send and return the answer with its body unread (the caller closes it)."""

        async def keep(response: httpx.Response, verdict: Verdict) -> httpx.Response:
            return response

        return await self._attempts(
            method,
            url,
            identity,
            headers=dict(headers or {}),
            content=content,
            server_failures=server_failures
            if server_failures is not None
            else frozenset(range(500, 600)),
            after=keep,
        )

    async def _attempts(
        self,
        method: str,
        url: str,
        identity: ServiceIdentity,
        *,
        headers: dict[str, str],
        content: AsyncIterator[bytes] | bytes | None,
        server_failures: frozenset[int],
        after: Callable[[httpx.Response, Verdict], Awaitable[T]],
    ) -> T:
        replayable = content is None or isinstance(content, bytes)
        attempts = self._limits.max_attempts if method in IDEMPOTENT and replayable else 1
        headers = headers | self._identity_headers(identity)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                pause = self._limits.backoff * (2 ** (attempt - 2))
                await self._sleep(pause * (0.5 + random.random() / 2))  # noqa: S311 - jitter
            try:
                return await self._once(method, url, headers, content, server_failures, after)
            except _Retry as retry:
                if attempt == attempts:
                    raise retry.error from retry.error.__cause__
                log.info("plugin_server_retry", method=method, attempt=attempt, error=str(retry))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: AsyncIterator[bytes] | bytes | None,
        server_failures: frozenset[int],
        after: Callable[[httpx.Response, Verdict], Awaitable[T]],
    ) -> T:
        try:
            guard = self._breaker.guard()
            verdict = guard.__enter__()
        except CircuitOpen:
            raise PluginServerUnavailable("the circuit is open") from None
        error: BaseException | None = None
        try:
            response = await self._receive(method, url, headers, content, verdict)
            if response.status_code in server_failures:
                verdict.failed()
                if response.status_code in _GATEWAY_TROUBLE:
                    await response.aclose()
                    failure: Exception = (
                        PluginServerTimeout(f"{method} answered 504")
                        if response.status_code == 504
                        else PluginServerUnavailable(f"{method} answered {response.status_code}")
                    )
                    raise _Retry(failure)
            else:
                verdict.succeeded()
            try:
                return await after(response, verdict)
            except BaseException:
                await response.aclose()
                raise
        except BaseException as raised:
            error = raised
            raise
        finally:
            guard.__exit__(type(error) if error else None, error, None)

    async def _receive(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: AsyncIterator[bytes] | bytes | None,
        verdict: Verdict,
    ) -> httpx.Response:
        request = self._client.build_request(
            method, url, headers=headers, content=content, timeout=self._timeout
        )
        deadline = self._limits.connect_timeout + self._limits.read_timeout
        try:
            async with asyncio.timeout(deadline):
                return await self._client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            verdict.failed()
            raise _Retry(PluginServerUnavailable(f"{method}: {type(error).__name__}")) from error
        except (httpx.TimeoutException, TimeoutError) as error:
            verdict.failed()
            raise PluginServerTimeout(f"{method}: no answer in time") from error
        except httpx.TransportError as error:  # reset, garbage instead of HTTP
            verdict.failed()
            raise _Retry(PluginServerBadAnswer(f"{method}: {type(error).__name__}")) from error

    def _identity_headers(self, identity: ServiceIdentity) -> dict[str, str]:
        headers = {"authorization": f"Bearer {self._tokens.token_for(identity)}"}
        if identity.organization_id is not None:
            headers["x-tenant-id"] = str(identity.organization_id)
        if identity.request_id:
            headers["x-request-id"] = identity.request_id
        return headers

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self._limits.max_response_bytes
        declared = _declared_length(response)
        if declared is not None and declared > cap:
            raise PluginServerBadAnswer(f"an answer declares {declared} bytes, over {cap}")
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self._limits.read_timeout):
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise PluginServerBadAnswer(f"an answer is over {cap} bytes")
                    chunks.append(chunk)
        except (httpx.TimeoutException, TimeoutError) as error:
            raise PluginServerTimeout("the answer's body did not arrive in time") from error
        except httpx.TransportError as error:
            raise PluginServerBadAnswer(f"the answer broke off: {type(error).__name__}") from error
        finally:
            await response.aclose()
        return b"".join(chunks)


class _StreamedAnswer:
    """A proxied answer: headers now, the body streamed under the cap."""

    def __init__(self, response: httpx.Response, cap: int, done: Callable[[bool], None]) -> None:
        self._response, self._cap, self._done = response, cap, done
        self._finished = False
        self._failed = False

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return tuple(self._response.headers.multi_items())

    async def body(self) -> AsyncIterator[bytes]:
        size = 0
        try:
            async for chunk in self._response.aiter_raw():
                size += len(chunk)
                if size > self._cap:
                    raise PluginServerBadAnswer(f"a proxied answer is over {self._cap} bytes")
                yield chunk
        except (httpx.TimeoutException, TimeoutError) as error:
            self._failed = True
            raise PluginServerTimeout("a proxied answer stalled") from error
        except httpx.TransportError as error:
            self._failed = True
            raise PluginServerBadAnswer(f"a proxied answer broke off: {error!r}") from error
        except PluginServerBadAnswer:
            self._failed = True
            raise
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        if self._finished:
            return
        self._finished = True
        await self._response.aclose()
        self._done(self._failed)


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _manifest(data: object) -> PluginManifest:
    """A manifest as the contract writes it; ``PluginServerBadAnswer`` for anything else."""
    if not isinstance(data, dict):
        raise PluginServerBadAnswer("a manifest is not an object")
    plugin_id, version = data.get("id"), data.get("version")
    if not isinstance(plugin_id, str) or not valid_plugin_id(plugin_id):
        raise PluginServerBadAnswer("a manifest has no usable id")
    if not isinstance(version, str) or not version:
        raise PluginServerBadAnswer(f"the manifest of {plugin_id} has no version")
    requires_raw = data.get("requires") or []
    schema = data.get("configSchema") or {}
    if not isinstance(requires_raw, list) or not isinstance(schema, dict):
        raise PluginServerBadAnswer(f"the manifest of {plugin_id} is malformed")
    requires = []
    for item in requires_raw:
        required = item.get("pluginId") if isinstance(item, dict) else None
        minimum = item.get("minVersion") if isinstance(item, dict) else None
        if not isinstance(required, str) or not valid_plugin_id(required):
            raise PluginServerBadAnswer(f"the manifest of {plugin_id} requires no usable id")
        if minimum is not None and not isinstance(minimum, str):
            raise PluginServerBadAnswer(f"the manifest of {plugin_id} has a bad minVersion")
        requires.append(Requirement(required, minimum or None))
    name, description = data.get("name"), data.get("description")
    config_schema: dict[str, Json] = schema
    return PluginManifest(
        id=plugin_id,
        name=name if isinstance(name, str) else plugin_id,
        version=version,
        description=description if isinstance(description, str) else "",
        requires=tuple(requires),
        config_schema=config_schema,
    )
