"""Buyers' order tokens: derived, not stored — the same for an order, different across orders
and server keys, and long enough not to be guessed."""

from __future__ import annotations

import uuid

from ticketbase.adapters.security.buyer_tokens import HmacBuyerTokens


def test_an_orders_token_is_the_same_every_time_and_unique_to_it() -> None:
    tokens = HmacBuyerTokens("a-server-secret-0123456789abcdef0123456789")
    order, other = uuid.uuid4(), uuid.uuid4()
    assert tokens.for_order(order) == tokens.for_order(order)
    assert tokens.for_order(order) != tokens.for_order(other)
    assert len(tokens.for_order(order)) == 43  # 256 bits, base64url without padding


def test_another_server_key_gives_other_tokens() -> None:
    order = uuid.uuid4()
    one = HmacBuyerTokens("a-server-secret-0123456789abcdef0123456789")
    two = HmacBuyerTokens("another-secret-0123456789abcdef0123456789")
    assert one.for_order(order) != two.for_order(order)
