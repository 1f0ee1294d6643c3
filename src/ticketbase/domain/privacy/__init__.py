"""Privacy: what is left of a data subject once they are erased."""
