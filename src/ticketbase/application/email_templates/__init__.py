"""Email templates: tenants' own wording of the emails TicketBase sends, previewed, tested and
used for every email of their organization."""
