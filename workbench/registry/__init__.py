"""The model registry: every model used or produced, its lineage, promotion and rollback.

`entries` registers, syncs (from succeeded jobs and from generated answers), annotates,
retires and shows models; `lifecycle` computes days to shutdown and training cutoff and
the warnings; `promotion` promotes through the rating gate and rolls back; `capture`
records a dying model's answers to every golden set. Import what you need from those
modules: this package's import stays light (no statistics), so the app can warn at start.
"""
