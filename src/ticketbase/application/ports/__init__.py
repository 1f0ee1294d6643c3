"""Ports: the Protocols adapters implement."""
