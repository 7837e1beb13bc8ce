"""Registers every command on the CLI app. Each component owns its command module;
those modules import nothing heavy at module level."""

from __future__ import annotations


def register(app, db_app, stack_app, curated_app) -> None:
    from expectations import cli as gate_cli
    from scrapers import cli as crawl_cli
    from storage import cli as storage_cli
    from transforms import cli as transform_cli
    from yonhap import extract_cli, run_cli, stack_cli
    from yonhap.replica import cli as replica_cli

    app.command("run")(run_cli.run)
    app.command("reprocess")(run_cli.reprocess)
    app.command("crawl")(crawl_cli.crawl)
    app.command("check-site")(crawl_cli.check_site)
    app.command("extract")(extract_cli.extract)
    app.command("transform")(transform_cli.transform)
    app.command("validate")(gate_cli.validate)
    app.command("load")(storage_cli.load)
    app.command("replica")(replica_cli.replica)
    db_app.command("upgrade")(storage_cli.db_upgrade)
    curated_app.command("rebuild")(storage_cli.curated_rebuild)
    stack_app.command("up")(stack_cli.up)
    stack_app.command("down")(stack_cli.down)
    stack_app.command("status")(stack_cli.status)
