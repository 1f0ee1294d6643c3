"""Sales analytics: a tenant's revenue, refunds, orders, tickets and check-ins over a period."""
