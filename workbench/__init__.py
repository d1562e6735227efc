"""ft-workbench's domain: chat format, checks, tokens, budget, import/export, CLI. No Textual."""

__version__ = "0.1.0"
