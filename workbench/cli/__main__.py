"""`python -m workbench.cli.main`: the same as the `workbench` command."""

from workbench.cli.main import main

main()
