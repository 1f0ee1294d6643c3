"""The orders use cases reuse the events kit to set up events, ticket types and promo codes."""

from tests.unit.application.events.conftest import acme, globex, kit, owner, rival

__all__ = ["acme", "globex", "kit", "owner", "rival"]
