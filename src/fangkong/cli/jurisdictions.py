from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer
from rich.table import Table

from fangkong.authz import SYSTEM
from fangkong.cli.common import DataDir, console, fail, settings_for
from fangkong.db import session_scope, upgrade
from fangkong.errors import DomainError
from fangkong.geo import service as geo

app = typer.Typer(no_args_is_help=True, help="The jurisdiction tree.")


@app.command("list")
def list_nodes(data_dir: DataDir = None, as_csv: bool = typer.Option(False, "--csv", help="CSV on standard output"),
               level: str | None = typer.Option(None, "--level")) -> None:
    """List jurisdiction nodes: code, level, name, parent_code."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    with session_scope(settings.url) as session:
        nodes = geo.list_nodes(session=session, actor=SYSTEM, level=level)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["code", "level", "name", "parent_code"])
        writer.writerows([n.code, n.level, n.name_zh, n.parent_code or ""] for n in nodes)
        return
    table = Table("code", "level", "name", "name_en", "parent_code")
    for n in nodes:
        table.add_row(n.code, n.level, n.name_zh, n.name_en, n.parent_code or "")
    console.print(table)


@app.command("import")
def import_tree(file: Path = typer.Argument(..., exists=True, dir_okay=False), data_dir: DataDir = None) -> None:
    """Import nodes from GeoJSON (properties code, level, name_zh, name_en, parent_code) or CSV."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    try:
        with session_scope(settings.url) as session:
            report = geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(file), source=file.name)
    except DomainError as exc:
        fail(exc)
    console.print(f"{file.name}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged")
