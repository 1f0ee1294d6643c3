"""Departments: list, read, the nested tree, create, rename or move, delete."""
