"""The model registry: every model used or produced, its lineage, promotion and rollback."""
