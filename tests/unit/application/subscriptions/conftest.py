"""The subscription use cases reuse the events kit for events, ticket types and orders."""

from tests.unit.application.events.conftest import acme, globex, kit, owner, rival

__all__ = ["acme", "globex", "kit", "owner", "rival"]
