"""Entrypoints: HTTP, CLI, worker, and the DI container that wires adapters to ports."""
