from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fangkong.config import Settings
from fangkong.errors import DomainError

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data folder (default: FANGKONG_DATA_DIR or the user data directory)")]


def settings_for(data_dir: Path | None, **overrides) -> Settings:
    """Settings from the environment, with the command line's data folder on top."""
    from pydantic import ValidationError

    try:
        return Settings(**({"data_dir": data_dir} if data_dir else {}), **overrides)
    except ValidationError as exc:
        for error in exc.errors():
            err_console.print(f"[red]setting {'.'.join(map(str, error['loc']))}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc


def fail(exc: DomainError) -> None:
    where = f" (field {exc.field})" if exc.field else ""
    err_console.print(f"[red]error{where}: {exc.message}[/red]")
    raise typer.Exit(1)
