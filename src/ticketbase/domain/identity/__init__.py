"""Who is who: organizations (tenants), users, memberships, roles and permissions."""
