"""Unit tests (package marker so test modules may share a basename)."""
