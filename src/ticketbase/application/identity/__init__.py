"""Identity use cases: organizations, accounts, memberships."""
