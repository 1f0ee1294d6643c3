"""Security adapters: argon2id password hashing, PyJWT access tokens."""
