"""In-memory adapters: fakes of the ports for unit tests (never used in production)."""
