"""Datasets and their examples: import, export (frozen versions), curation. The only
writer of examples and their revisions."""
