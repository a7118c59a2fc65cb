"""Permission checks: services reaching customer resources (issue: the service knowledge base)."""
