"""The `workbench` command line (click): one module per command group. Flags and exit
codes live only here."""

from workbench.cli.main import cli, main

__all__ = ["cli", "main"]
