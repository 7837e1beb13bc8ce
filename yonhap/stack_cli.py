"""CLI command bodies (placeholder until implemented)."""
import typer


def up():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def down():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def status():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
