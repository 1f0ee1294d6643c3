"""Members of an organization (``/api/users``)."""
