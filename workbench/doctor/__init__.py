"""`workbench doctor` (is this file sound and clean?) and `workbench purge` (delete a
frozen copy of text for good)."""
