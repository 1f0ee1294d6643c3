"""Use cases of the pages area: staff edit, version, publish and restore; the storefront reads."""
