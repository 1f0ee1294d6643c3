"""Who hears which announcement over ``GET /api/ws``: members of the message's organization
holding **any one** of the topic's permissions (after their grants and revokes).

- ``order.created``, ``order.paid``, ``order.refunded``: ``orders:read``, the permission that
  lists and reads those orders.
- ``attendee.checked_in``: ``orders:read`` or ``attendees:checkin``, the door staff scanning
  tickets see the doors fill up even when they may not read orders.
- ``event.published``: ``events:read``.
- ``plugin.status_changed``: ``plugins:manage`` or ``organization:read``: a plugin's state is
  the organization's (every member's screens may depend on it), and those who manage plugins
  hear of it even with ``organization:read`` revoked.

Any other topic is never pushed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ticketbase.domain.identity.permissions import Permission

P = Permission

AUDIENCES: Mapping[str, frozenset[Permission]] = {
    "order.created": frozenset({P.ORDERS_READ}),
    "order.paid": frozenset({P.ORDERS_READ}),
    "order.refunded": frozenset({P.ORDERS_READ}),
    "attendee.checked_in": frozenset({P.ORDERS_READ, P.ATTENDEES_CHECKIN}),
    "event.published": frozenset({P.EVENTS_READ}),
    "plugin.status_changed": frozenset({P.PLUGINS_MANAGE, P.ORGANIZATION_READ}),
}
TOPICS = frozenset(AUDIENCES)


def may_hear(permissions: Collection[Permission], topic: str) -> bool:
    needed = AUDIENCES.get(topic)
    return needed is not None and not needed.isdisjoint(permissions)
