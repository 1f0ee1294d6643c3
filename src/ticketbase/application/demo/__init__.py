"""Demo data for a fresh installation, made through the real use cases."""
