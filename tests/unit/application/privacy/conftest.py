"""The privacy use cases reuse the events kit to set up events and ticket types."""

from tests.unit.application.events.conftest import acme, globex, kit, owner, rival

__all__ = ["acme", "globex", "kit", "owner", "rival"]
