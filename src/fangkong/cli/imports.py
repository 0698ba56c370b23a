from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fangkong.authz import SYSTEM
from fangkong.cli.common import DataDir, console, err_console, print_import, refusals, settings_for
from fangkong.db import session_scope, upgrade
from fangkong.interop.importers import ImportReport

app = typer.Typer(no_args_is_help=True, help="Import persons, cases or venues from CSV/XLSX (UTF-8, GB18030/GBK, Big5).")


def _run(kind: str, file: Path, data_dir: Path | None) -> None:
    from fangkong.interop.case_import import import_cases
    from fangkong.interop.importers import import_persons

    settings = settings_for(data_dir)
    upgrade(settings.url)
    func = import_persons if kind == "persons" else import_cases
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with refusals(file.name), Progress(*columns, console=err_console, transient=True) as bar, \
            session_scope(settings.url) as session:
        task = bar.add_task(f"storing {kind}", total=None)
        report = func(session=session, actor=SYSTEM, path=file,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
    _print(report)


def _print(report: ImportReport) -> None:
    if not print_import(file=report.file, fmt=report.encoding, rows=report.rows, new=report.created,
                        existing=report.existing, already=report.already_imported):
        return
    for note in report.notes:
        console.print(f"  {note}")


@app.command("persons")
def persons(file: Path = typer.Argument(..., exists=True, dir_okay=False), data_dir: DataDir = None) -> None:
    """Import persons (columns name, sex, birth_date, resident_id, phone, jurisdiction_code, address, …)."""
    _run("persons", file, data_dir)


@app.command("cases")
def cases(file: Path = typer.Argument(..., exists=True, dir_okay=False), data_dir: DataDir = None) -> None:
    """Import cases with their persons (person columns plus classification, dates, outcome, …)."""
    _run("cases", file, data_dir)


@app.command("venues")
def venues(file: Path = typer.Argument(..., exists=True, dir_okay=False), data_dir: DataDir = None) -> None:
    """Import venues with their place codes (venue_id, place_code, name, kind, address, lon, lat, jurisdiction_code)."""
    from fangkong.tracing.venues import import_venues

    settings = settings_for(data_dir)
    upgrade(settings.url)
    with refusals(file.name), session_scope(settings.url) as session:
        report = import_venues(session=session, actor=SYSTEM, path=file)
    _print(report)
