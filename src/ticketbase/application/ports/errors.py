"""Failures of infrastructure that adapters report in one shape, so every entrypoint can
answer "try again shortly" (HTTP 503) instead of an internal error."""

from __future__ import annotations


class DependencyUnavailable(Exception):
    """A backing service (``database``, ``cache``…) cannot be reached right now."""

    status = 503
    problem = "unavailable"  # the problem code is "{dependency}_{problem}"

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} {self.problem}")
        self.dependency = dependency


class DependencyTimedOut(DependencyUnavailable):
    """It was reached but did not answer in time (HTTP 504)."""

    status = 504
    problem = "timeout"


class DependencyMisbehaved(DependencyUnavailable):
    """It answered something unusable: not what its contract says, or too large (HTTP 502)."""

    status = 502
    problem = "bad_answer"
