"""The embedded PostgreSQL of development: a real server from the ``pgserver`` wheel.

Its data lives under the data directory, so it survives restarts. pgserver stops the server only
from an ``atexit`` hook, so ``stop()`` must be called explicitly on shutdown.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self._pgdata = (data_dir / "postgres").resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; return the owner's connection URL."""
        with warnings.catch_warnings():
            # pgserver asks platformdirs for a runtime dir at import; without XDG_RUNTIME_DIR
            # that warns (and falls back to /tmp), which is noise for a development server.
            warnings.simplefilter("ignore", UserWarning)
            import pgserver

        logging.getLogger("pgserver").setLevel(logging.WARNING)
        self._pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            self._pgdata, cleanup_mode="stop"
        )
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
