"""Use cases of the events area: events, their ticket types and promo codes, and the
storefront's reads of them."""
