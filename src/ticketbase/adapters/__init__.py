"""Adapters: one subpackage per technology, each implementing application ports."""
