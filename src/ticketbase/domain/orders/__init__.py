"""Orders: checkout quotes, the order and its payment, refund, cancellation and expiry, the
attendees a paid order admits and their check-in."""
