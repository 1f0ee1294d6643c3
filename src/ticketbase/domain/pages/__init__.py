"""Storefront pages edited in Puck: the page, its immutable versions and the document's rules."""
