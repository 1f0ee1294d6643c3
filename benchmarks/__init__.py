"""Load benchmarks of TicketBase: ``make bench`` (``python -m benchmarks``) prints figures.

Each scenario (``scenarios.py``) is served by granian in a subprocess, against a throwaway
database, and loaded by a generator in another process; nothing passes or fails.
"""
