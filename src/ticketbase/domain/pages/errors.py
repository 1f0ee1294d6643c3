"""The named refusals of the pages area."""

from __future__ import annotations

from ticketbase.domain.shared.errors import NotFound


class PageNotFound(NotFound):
    pass


class PageVersionNotFound(NotFound):
    pass
