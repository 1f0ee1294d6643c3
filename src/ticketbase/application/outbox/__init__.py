"""Delivery of the outbox: the worker's use case and the registry of handlers by topic."""
