"""CLI command bodies (placeholder until implemented)."""
import typer


def crawl():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)


def check_site():
    """Not implemented yet."""
    typer.echo("not implemented yet", err=True)
    raise typer.Exit(1)
