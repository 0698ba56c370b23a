from __future__ import annotations

import typer

from fangkong.cli.common import DataDir, console, err_console, settings_for
from fangkong.db import upgrade
from fangkong.scheduler import run_once

app = typer.Typer(no_args_is_help=True, help="Scheduled jobs (marking overdue tasks, notifying, escalating).")


@app.command("run")
def run(data_dir: DataDir = None) -> None:
    """Run every scheduled job once: what `fangkong serve` does each minute."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    results = run_once(settings)
    for name, summary in results.items():
        (err_console if summary.startswith("failed") else console).print(f"{name}: {summary}")
    if any(summary.startswith("failed") for summary in results.values()):
        raise typer.Exit(1)
