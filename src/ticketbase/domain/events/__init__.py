"""Events and ticketing: the event aggregate, ticket types with pricing tiers, availability and
promo codes."""
