"""The Python load generator: N keep-alive HTTP/1.1 connections on one asyncio loop.

Run as ``python -m benchmarks.loadgen`` with a ``LoadSpec`` as JSON on stdin; prints a
``LoadResult`` as JSON. Each connection sends a request, waits for the whole response, sends the
next (no pipelining), cycling through the scenario's requests. Only responses completed inside the
measured window (after the warm-up) count; their latency is from write to last byte.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

from .http1 import parse_response
from .load import GRACE_SECONDS, LoadResult, LoadSpec, percentile


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bool]] | None = None
        self._transport: asyncio.Transport | None = None
        self.closed = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.closed = False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionResetError("connection closed by the server"))

    def send(self, raw: bytes) -> asyncio.Future[tuple[int, bool]]:
        """Write one request; the future gives (status, server closes after it)."""
        assert self._transport is not None
        self._waiter = waiter = self._loop.create_future()
        self._transport.write(raw)
        return waiter

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        response = parse_response(self._buffer)
        if response is None:
            return
        del self._buffer[: response.consumed]
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((response.status, response.close))

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


async def _connect(host: str, port: int) -> _Connection:
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(lambda: _Connection(loop), host, port)
    return connection


class _Run:
    def __init__(self, spec: LoadSpec, start: float) -> None:
        self.spec = spec
        self.measure_from = start + spec.warmup
        self.stop = self.measure_from + spec.duration
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()

    def counts(self, at: float) -> bool:
        return self.measure_from <= at <= self.stop

    async def client(self, connection: _Connection, offset: int) -> None:
        requests, perf = self.spec.requests, time.perf_counter
        latencies, errors = self.latencies, self.errors
        index = offset
        while (started := perf()) < self.stop:
            if connection.closed:
                try:
                    connection = await _connect(self.spec.host, self.spec.port)
                except OSError:
                    if self.counts(started):
                        errors["connect"] += 1
                    await asyncio.sleep(0.05)
                continue
            try:
                status, close = await connection.send(requests[index % len(requests)])
            except ConnectionError:
                if self.counts(perf()):
                    errors["reset"] += 1
                continue
            finished = perf()
            index += 1
            if self.counts(finished):
                latencies.append(finished - started)
                if not 200 <= status < 300:
                    errors[f"HTTP {status}"] += 1
            if close:
                connection.close()
        connection.close()


async def run(spec: LoadSpec) -> LoadResult:
    connections = await asyncio.gather(
        *(_connect(spec.host, spec.port) for _ in range(spec.concurrency))
    )
    run = _Run(spec, time.perf_counter())
    clients = [
        asyncio.create_task(run.client(connection, offset))
        for offset, connection in enumerate(connections)
    ]
    await asyncio.sleep(max(0.0, run.measure_from - time.perf_counter()))
    cpu_from = time.process_time()
    await asyncio.sleep(max(0.0, run.stop - time.perf_counter()))
    cpu = (time.process_time() - cpu_from) / spec.duration if spec.duration > 0 else None
    _, stuck = await asyncio.wait(clients, timeout=min(GRACE_SECONDS / 2, 10.0))
    for task in stuck:
        task.cancel()
    if stuck:
        run.errors["timeout"] += len(stuck)
    latencies = sorted(run.latencies)
    return LoadResult(
        generator="python",
        requests=len(latencies),
        seconds=spec.duration,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        errors=dict(run.errors),
        client_cpu=cpu,
    )


def main() -> None:
    spec = LoadSpec.from_json(sys.stdin.read())
    print(asyncio.run(run(spec)).to_json())


if __name__ == "__main__":
    main()
