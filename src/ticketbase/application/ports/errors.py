"""Failures of infrastructure that adapters report in one shape, so every entrypoint can
answer "try again shortly" (HTTP 503) instead of an internal error."""

from __future__ import annotations


class DependencyUnavailable(Exception):
    """A backing service (``database``, ``cache``…) cannot be reached right now."""

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} unavailable")
        self.dependency = dependency
