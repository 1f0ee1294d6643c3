"""The emails an organization may word itself: kinds, template sources and the tenant's override."""
