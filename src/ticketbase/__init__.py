"""TicketBase: the multi-tenant ticketing API server."""
