"""`yonhap-pipeline replica` (also `python -m devtools.replica`): serve the replica site."""

from __future__ import annotations

import typer

from devtools.replica.config import FAULT_KINDS, ReplicaConfig, ReplicaConfigError
from devtools.replica.server import serve


def replica(
    port: int = typer.Option(8800, "--port", help="TCP port; 0 picks a free one (the URL is printed)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
    seed: int = typer.Option(1, "--seed", help="Corpus and fault seed: same seed, same bytes."),
    start: str = typer.Option("2024-06-01", "--start", help="First KST day (YYYY-MM-DD)."),
    end: str = typer.Option("2024-06-30", "--end", help="Last KST day (YYYY-MM-DD); 'now' is its end."),
    per_day: int = typer.Option(60, "--per-day", help="Articles originating per day (routine items included)."),
    fault_rate: float = typer.Option(0.0, "--fault-rate", help="Fraction of content paths that misbehave."),
    fault_kinds: str = typer.Option(",".join(FAULT_KINDS), "--fault-kinds", help="Comma list of fault kinds."),
    persistent_rate: float = typer.Option(0.0, "--persistent-rate", help="Fraction of faulty paths that never recover."),
    slow_delay: float = typer.Option(0.2, "--slow-delay", help="Seconds of delay of the 'slow' fault."),
    retry_after: int = typer.Option(1, "--retry-after", help="Retry-After seconds of the 429 fault."),
    layout: str = typer.Option("yna-cms", "--layout", help="yna-cms (the real template) | redesign"),
    id_scheme: str = typer.Option("versioned", "--id-scheme",
                                  help="versioned (LDs share the serial: 00/51/52/53) | sequential"),
    apply_edits: bool = typer.Option(False, "--apply-edits", help="Serve edited versions of articles."),
    hostile: bool = typer.Option(False, "--hostile", help="Add hostile pages on the first day."),
    edition: str = typer.Option("fr", "--edition", help="fr (French service) | en (English service)."),
    canonical_base: str = typer.Option(None, "--canonical-base",
                                       help="Host used in canonical/og:url links; default: the edition's site."),
    access_log: str = typer.Option(None, "--access-log", help="Also append the access log (JSON lines) to FILE."),
    live: bool = typer.Option(False, "--live", help="Live mode: a clock publishes the articles over time."),
    speed: float = typer.Option(1.0, "--speed", help="Live mode: site seconds per wall second (0 < F <= 3600)."),
    live_start: str = typer.Option(None, "--live-start",
                                   help="Live mode: site time at start, ISO (2024-06-19T08:00 = KST); "
                                        "default: --start at 00:00 KST."),
) -> None:
    """Serve the bundled replica of fr.yna.co.kr (or en.yna.co.kr) over HTTP (offline tests and demos)."""
    if not 0 <= port <= 65535:
        typer.echo(f"error: --port {port} must be between 0 and 65535", err=True)
        raise typer.Exit(2)
    try:
        config = ReplicaConfig(
            seed=seed, start=start, end=end, per_day=per_day, fault_rate=fault_rate,
            fault_kinds=fault_kinds, persistent_rate=persistent_rate, slow_delay=slow_delay,
            retry_after=retry_after, layout=layout, id_scheme=id_scheme, apply_edits=apply_edits, hostile=hostile,
            edition=edition, canonical_base=canonical_base, live=live, speed=speed, live_start=live_start,
        )
    except ReplicaConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    try:
        serve(config, host=host, port=port, access_log=access_log)
    except OSError as err:
        typer.echo(f"error: cannot serve on {host}:{port}: {err}", err=True)
        raise typer.Exit(2) from None
