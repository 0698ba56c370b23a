from __future__ import annotations

import typer

from fangkong import db as database
from fangkong.cli.common import DataDir, console, settings_for

app = typer.Typer(no_args_is_help=True, help="The operational store.")


@app.command("upgrade")
def upgrade(data_dir: DataDir = None, revision: str = typer.Option("head", help="Alembic revision")) -> None:
    """Create or migrate the database schema to the latest revision."""
    settings = settings_for(data_dir)
    database.upgrade(settings.url, revision)
    console.print(f"database at revision {database.current_revision(settings.url)}")
