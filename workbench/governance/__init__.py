"""Governance: the risk register and the audit trail (who changed what and when)."""
