"""CLI command bodies (placeholder until implemented)."""
import typer


def replica():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
