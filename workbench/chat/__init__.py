"""The chat fine-tuning format: parsing and canonical lines (format), the checks a line
must pass (checks), what a check reports (findings), and language guessing. Every other
feature meets the data through this package."""
