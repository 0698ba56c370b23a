"""`fangkong ingest` (check-ins and presence into the bulk store) and `fangkong trace` (the bulk
exposure search over it)."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape

from fangkong.cli.common import DataDir, console, err_console, settings_for

ingest_app = typer.Typer(no_args_is_help=True,
                         help="Append check-in or grid presence batches to the bulk store (DATA_DIR/bulk).")
trace_app = typer.Typer(no_args_is_help=True, help="Exposure search over the bulk store (场所与时空伴随排查).")
SHOWN_PROBLEMS = 20
COMPANION_PROFILE = "ed8"  # the first edition whose profile carries the 时空伴随 rule (contacts.companion)

Files = typer.Argument(..., exists=True, help="CSV or Parquet files, or folders of them")
ProblemsOpt = typer.Option(None, "--problems", dir_okay=False,
                           help="Where to write the rejected rows' problems (default DATA_DIR/bulk/KIND-problems.csv)")


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def _print_problems(problems: list, total: int, path: Path, what: str) -> None:
    err_console.print(f"[red]{total:,} problem(s); {what}[/red]")
    for p in problems[:SHOWN_PROBLEMS]:  # one line each, "file, row N, field: message", easy to grep
        err_console.print(escape(str(p)), soft_wrap=True, highlight=False)
    if total > SHOWN_PROBLEMS:
        err_console.print(f"… and {total - SHOWN_PROBLEMS:,} more")
    err_console.print(f"[red]every problem is listed in {escape(str(path))}[/red]", soft_wrap=True)


def _write_problems(path: Path, problems: list) -> Path:
    """The problems as screening writes its problems.csv: UTF-8 with a byte order mark (Excel/WPS)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from fangkong.screening.engine.model import PROBLEM_SCHEMA

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write("\ufeff".encode())
        pacsv.write_csv(pa.Table.from_pylist([vars(p) for p in problems], schema=PROBLEM_SCHEMA), f)
    return path


def _ingest(kind: str, files: list[Path], data_dir: Path | None, problems: Path | None) -> None:
    from fangkong.tracing.engine import ingest_files

    settings = settings_for(data_dir)
    started = time.perf_counter()
    report = ingest_files(data_dir=settings.data_dir, kind=kind, files=files, timezone=settings.timezone)
    for f in report.files:
        if f.skipped_batch:
            console.print(f"{escape(f.path)}: this batch was ingested before; nothing new stored", soft_wrap=True)
        else:
            console.print(f"{escape(f.path)}: {f.rows:,} rows, {f.stored:,} stored, {f.duplicates:,} already stored "
                          f"or repeated, {f.rejected:,} rejected", soft_wrap=True)
    console.print(f"{kind}: {report.stored:,} rows stored from {len(report.files)} file(s) "
                  f"in {time.perf_counter() - started:.1f} s")
    if report.problems:
        path = problems or settings.data_dir / "bulk" / f"{kind}-problems.csv"
        _print_problems(report.problems, report.problem_count, _write_problems(path, report.problems),
                        "those rows were not stored")
        raise typer.Exit(1)


@ingest_app.command("checkins")
def ingest_checkins(files: list[Path] = Files, data_dir: DataDir = None, problems: Path | None = ProblemsOpt) -> None:
    """Check-ins (person_id, venue_id, time_in, time_out): bad rows reported, repeats stored once."""
    _ingest("checkins", files, data_dir, problems)


@ingest_app.command("presence")
def ingest_presence(files: list[Path] = Files, data_dir: DataDir = None, problems: Path | None = ProblemsOpt) -> None:
    """Grid presence (person_id, cell_id, time_start, time_end) in 800 m cells."""
    _ingest("presence", files, data_dir, problems)


def _companion_rule(enabled: bool, profile: str, minutes: float | None, days: float | None, hours: float | None):
    from fangkong.protocols.diff import plain
    from fangkong.protocols.loader import get_profile
    from fangkong.tracing.engine import CompanionRule

    if not enabled:
        return None
    values = plain(get_profile(profile), "contacts.companion") or {}
    if not values.get("determined", True) or "min_overlap" not in values:
        err_console.print(f"[red]profile {profile} has no companion rule (contacts.companion)[/red]")
        raise typer.Exit(2)
    return CompanionRule(min_overlap_minutes=values["min_overlap"] if minutes is None else minutes,
                         window_days=values["window_days"] if days is None else days,
                         cumulative_stay_hours=values["cumulative_stay_hours"] if hours is None else hours)


@trace_app.command("exposures")
def exposures(
    index: Path = typer.Option(..., "--index", exists=True, dir_okay=False,
                               help="Index cases, CSV or Parquet: person_id, window_start, window_end"),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Output Parquet file (one row per exposure)"),
    engine: Engine = typer.Option(Engine.duckdb, "--engine", help="duckdb (in process) or spark"),
    margin_minutes: float = typer.Option(0, "--margin-minutes", min=0,
                                         help="A venue pair must overlap by more than this"),
    companions: bool = typer.Option(True, "--companions/--no-companions",
                                    help="Also search grid presence for spatio-temporal companions"),
    profile: str = typer.Option(COMPANION_PROFILE, "--profile", help="Protocol profile giving the companion rule"),
    min_overlap_minutes: float | None = typer.Option(None, "--min-overlap-minutes", min=0,
                                                     help="Companions: shared cell for more than this (profile)"),
    window_days: float | None = typer.Option(None, "--window-days", min=0.001,
                                             help="Companions: cumulative-stay look-back in days (profile)"),
    cumulative_stay_hours: float | None = typer.Option(None, "--cumulative-stay-hours", min=0,
                                                       help="Companions: either person's stay in the cell above this"),
    ordered: bool = typer.Option(False, "--sorted/--unsorted",
                                 help="Sort the rows by index person, kind, place, person and overlap (slower and "
                                      "spills to disk on millions of rows) or write them as the join gives them"),
    data_dir: DataDir = None,
) -> None:
    """Find everyone who shared a venue (and a grid cell) with the index cases in their windows."""
    import pyarrow.parquet as pq

    from fangkong.tracing.engine import read_index, write_exposures

    settings = settings_for(data_dir)
    rule = _companion_rule(companions, profile, min_overlap_minutes, window_days, cumulative_stay_hours)
    table, problems = read_index(index, timezone=settings.timezone)
    if problems:
        path = out.with_name(out.stem + ".problems.csv")
        _print_problems(problems, len(problems), _write_problems(path, problems), "the search was not run")
        raise typer.Exit(1)
    started = time.perf_counter()
    with console.status(f"searching with {engine.value}…"):
        write_exposures(data_dir=settings.data_dir, index=table, out=out, engine=engine.value,
                        margin_minutes=margin_minutes, companion=rule, ordered=ordered)
    elapsed = time.perf_counter() - started
    _print_summary(pq.read_table(out, columns=["kind", "person_id"]), len(table), out, elapsed)


def _print_summary(found, cases: int, out: Path, elapsed: float) -> None:
    import pyarrow.compute as pc

    console.print(f"{cases:,} index case(s): {len(found):,} exposure rows in {elapsed:.1f} s → {escape(str(out))}",
                  soft_wrap=True)
    for kind in ("venue", "cell"):
        rows = found.filter(pc.equal(found["kind"], kind))
        people = pc.count_distinct(rows["person_id"]).as_py() if len(rows) else 0
        console.print(f"  {kind}: {len(rows):,} rows, {people:,} exposed persons")
