"""`fangkong profiles`: the shipped protocol profiles, their differences, and checking a profile file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from fangkong.cli.common import console, err_console, fail
from fangkong.errors import DomainError
from fangkong.protocols import loader
from fangkong.protocols.diff import diff as diff_profiles
from fangkong.protocols.display import text
from fangkong.protocols.schemas import read, summary

app = typer.Typer(no_args_is_help=True, help="Protocol profiles (防控方案): list, show, diff, validate.")


def _profile(profile_id: str):
    try:
        return loader.get_profile(profile_id)
    except DomainError as exc:
        fail(exc)


@app.command("list")
def list_profiles() -> None:
    """The shipped profiles, oldest edition first."""
    table = Table("id", "effective", "title", "values", "unconfirmed")
    for profile in loader.list_profiles():
        s = summary(profile)
        table.add_row(s.id, s.effective.isoformat(), s.title_zh, str(s.values), str(s.unconfirmed))
    console.print(table)


@app.command("show")
def show(id: str = typer.Argument(..., help="profile id, e.g. ed9"),  # noqa: A002 - the documented name
         as_json: bool = typer.Option(False, "--json", help="JSON on standard output")) -> None:
    """Every value of a profile, tab-separated: path, value with unit, ◦ if unconfirmed, source."""
    profile = _profile(id)
    if as_json:
        typer.echo(json.dumps(read(profile).model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{profile.id}\t{profile.title_zh}\t{profile.effective.isoformat()}")
    for row in read(profile).rows:
        typer.echo("\t".join((row.path, text(row.value, row.unit), "" if row.confirmed else "◦", row.source)))


@app.command("diff")
def diff(a: str = typer.Argument(..., help="first profile id"),
         b: str = typer.Argument(..., help="second profile id"),
         show_all: bool = typer.Option(False, "--all", help="also list the values that are the same")) -> None:
    """The values that differ between two profiles, side by side (tab-separated)."""
    rows = diff_profiles(_profile(a), _profile(b), changed_only=not show_all)
    typer.echo(f"path\t{a}\t{b}")
    for row in rows:
        typer.echo("\t".join((row.path, text(row.a, row.unit if row.a is not None else None),
                              text(row.b, row.unit if row.b is not None else None), "≠" if row.changed else "=")))
    typer.echo(f"{sum(r.changed for r in rows)} values differ")


@app.command("validate")
def validate(file: Path = typer.Argument(..., dir_okay=False, help="a profile TOML file")) -> None:
    """Check a profile file against the schema; lists every problem with its dotted path (exit 1)."""
    errors = loader.check_file(file)
    if errors:
        for line in errors:
            err_console.print(f"{file}: {line}", markup=False, highlight=False)
        err_console.print(f"[red]{len(errors)} problem(s); the profile is not valid[/red]")
        raise typer.Exit(1)
    s = summary(loader.load_file(file))
    console.print(f"{file}: valid — {s.id}, {s.values} values, {s.unconfirmed} unconfirmed")
