"""Drive ``wrk`` (when installed) with the scenario's raw requests through a generated Lua script.

A warm-up run is discarded, then the measured run reports through ``done()`` as one JSON line;
non-2xx responses are counted per thread by ``response()`` and summed there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .load import GRACE_SECONDS, LoadError, LoadResult, LoadSpec, run_child

_SCRIPT = """
local requests = {%(requests)s}
local counter = 0
failures = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return requests[(counter %% #requests) + 1]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    local key = "HTTP " .. status
    failures[key] = (failures[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local errors = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("failures")) do
      errors[key] = (errors[key] or 0) + count
    end
  end
  for _, key in ipairs({"connect", "read", "write", "timeout"}) do
    if summary.errors[key] > 0 then errors[key] = summary.errors[key] end
  end
  local parts = {}
  for key, count in pairs(errors) do
    table.insert(parts, string.format("%%q: %%d", key, count))
  end
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%f, "p99_us": %%f, '
      .. '"errors": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    table.concat(parts, ", ")))
end
"""


def run(spec: LoadSpec, workdir: Path) -> LoadResult:
    script = workdir / "wrk-scenario.lua"
    script.write_text(_SCRIPT % {"requests": ", ".join(_lua_string(r) for r in spec.requests)})
    # Half the CPUs at most: the server (and PostgreSQL) run on this machine too.
    threads = max(1, min(spec.concurrency, (os.cpu_count() or 2) // 2))
    url = f"http://{spec.host}:{spec.port}/"
    argv = ["wrk", f"-t{threads}", f"-c{spec.concurrency}", "--timeout", "10s", "-s", str(script)]
    if spec.warmup > 0:
        run_child([*argv, f"-d{_seconds(spec.warmup)}", url], timeout=spec.warmup + GRACE_SECONDS)
    output = run_child(
        [*argv, f"-d{_seconds(spec.duration)}", url], timeout=spec.duration + GRACE_SECONDS
    )
    line = next((x for x in output.splitlines() if x.startswith("WRK-RESULT ")), None)
    if line is None:
        raise LoadError(f"wrk printed no result:\n{output}")
    figures = json.loads(line.removeprefix("WRK-RESULT "))
    errors: dict[str, int] = figures["errors"]
    # wrk counts a non-2xx response in summary.requests too, like the Python generator does.
    return LoadResult(
        generator="wrk",
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=errors,
    )


def _seconds(value: float) -> str:
    """wrk's ``-d`` takes whole seconds."""
    return f"{max(1, round(value))}s"


def _lua_string(raw: bytes) -> str:
    """A Lua string literal of arbitrary bytes (decimal escapes for anything unusual)."""
    return (
        '"'
        + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in raw)
        + '"'
    )
