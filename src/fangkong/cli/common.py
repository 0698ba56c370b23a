from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


def print_import(*, file: str, fmt: str, rows: int, new: int, existing: int, already: bool) -> bool:
    """One line about a stored file; False when it was imported before (nothing more to say)."""
    if already:
        console.print(f"{file}: this file was imported before; nothing new stored")
        return False
    console.print(f"{file} ({fmt}): {rows} rows, {new} new, {existing} already stored")
    return True


@contextmanager
def refusals(name: str, shown: int = 200) -> Iterator[None]:
    """Exit 1 on a refused file (every problem printed, by row and field) or another domain error."""
    from fangkong.interop.importers import ImportRejected

    try:
        yield
    except ImportRejected as exc:
        err_console.print(f"[red]{name}: {len(exc.errors)} problem(s); nothing was stored[/red]")
        for error in exc.errors[:shown]:
            err_console.print(f"  row {error.row}, field {error.field or '-'}: {error.message}")
        if len(exc.errors) > shown:
            err_console.print(f"  … and {len(exc.errors) - shown} more")
        raise typer.Exit(1) from exc
    except DomainError as exc:
        fail(exc)
