"""Reusable widgets of the workbench UI (each with DEFAULT_CSS and a `help` text)."""
