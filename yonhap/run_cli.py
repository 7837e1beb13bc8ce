"""CLI command bodies (placeholder until implemented)."""
import typer


def run():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def reprocess():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
