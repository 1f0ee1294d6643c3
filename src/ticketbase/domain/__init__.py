"""Pure business rules: entities, value objects and invariants. Imports nothing outward."""
