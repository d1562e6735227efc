"""Datasets and their examples: import, export (frozen versions), curation. The only
writer of examples and their revisions."""

#: The review states of an example, in the order the UI lists them. The one copy: the
#: CLI's choices, the app's filters, curation and export all read it from here.
STATUSES = ("draft", "approved", "rejected")
