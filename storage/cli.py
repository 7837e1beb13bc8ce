"""CLI command bodies (placeholder until implemented)."""
import typer


def load():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def db_upgrade():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
