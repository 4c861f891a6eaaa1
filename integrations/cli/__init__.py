"""The `paas` command line: Typer commands with Rich output over the guarded toolset."""
