from __future__ import annotations

import typer

from fangkong.cli.common import DataDir, console, settings_for
from fangkong.db import session_scope, upgrade

app = typer.Typer(no_args_is_help=True, help="The person master index.")


@app.command("dedup")
def dedup_scan(data_dir: DataDir = None, since_id: int = typer.Option(1, "--since-id",
               help="Scan persons with this id or above against everyone")) -> None:
    """Queue likely duplicate persons for review (after a large import)."""
    from fangkong.people import dedup

    settings = settings_for(data_dir)
    upgrade(settings.url)
    with session_scope(settings.url) as session:
        queued = dedup.detect_since(session=session, min_id=since_id)
    console.print(f"{queued} possible duplicate pairs queued for review")
