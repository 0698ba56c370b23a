"""`fangkong screening`: bulk resolution of a pooled screening round from lab files."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from fangkong.cli.common import console, err_console, settings_for

app = typer.Typer(no_args_is_help=True, help="Area-wide screening rounds (区域核酸筛查): pooled tube resolution.")
SHOWN_PROBLEMS = 20


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _print_problems(problems: list, total: int, path: Path) -> None:
    err_console.print(f"[red]{total:,} problem(s); the round was not resolved[/red]")
    for p in problems[:SHOWN_PROBLEMS]:  # one line each, "file, row N, field: message", easy to grep
        err_console.print(escape(str(p)), soft_wrap=True, highlight=False)
    if total > SHOWN_PROBLEMS:
        err_console.print(f"… and {total - SHOWN_PROBLEMS:,} more")
    more = f" (the first {len(problems):,})" if len(problems) < total else ""
    err_console.print(f"[red]every problem is listed in {escape(str(path))}{more}[/red]", soft_wrap=True)


def _print_summary(summary: dict, out: Path, elapsed: float) -> None:
    table = Table("", "value", title=f"round resolved into {out}")
    table.add_row("samples / tubes / results", f"{summary['samples']:,} / {summary['tubes']:,} / {summary['results']:,}")
    for status, n in summary["tubes_by_status"].items():
        table.add_row(f"tubes {status}", f"{n:,}")
    for status, n in summary["persons_by_status"].items():
        table.add_row(f"persons {status}", f"{n:,}")
    table.add_row("tube positivity", _share(summary["positivity"]["tubes"]))
    tat = summary["turnaround_hours"]
    if tat["reported_tubes"]:
        table.add_row("turnaround p50 / p90 / p95 (h)", f"{tat['p50']:.1f} / {tat['p90']:.1f} / {tat['p95']:.1f}")
        for target, row in tat["targets"].items():
            table.add_row(f"reported within {target}", _share(row["share"]))
    if "coverage" in summary:
        cov = summary["coverage"]
        table.add_row("roster coverage", f"{_share(cov['coverage'])} ({cov['untested']:,} untested)")
    console.print(table)
    console.print(f"resolved in {elapsed:.1f} s")


@app.command("resolve")
def resolve(
    samples: Path = typer.Option(..., "--samples", exists=True, dir_okay=False,
                                 help="Samples file, CSV or Parquet: sample_id, person_id, tube_id, site_id, collected_at"),
    results: Path = typer.Option(..., "--results", exists=True, dir_okay=False,
                                 help="Tube results, CSV or Parquet: tube_id, result, ct_orf1ab, ct_n, lab_id, reported_at"),
    pool_size: int = typer.Option(..., "--pool-size", min=1, help="Swabs per tube (N in N合1): 1, 5, 10 or 20"),
    ct_threshold: float = typer.Option(35.0, "--ct-threshold", min=0.1, max=50,
                                       help="A Ct value below this makes a tube positive"),
    engine: Engine = typer.Option(Engine.duckdb, "--engine", help="duckdb (in process) or spark"),
    out: Path = typer.Option(..., "--out", file_okay=False, help="Folder for the outputs"),
    roster: Path | None = typer.Option(None, "--roster", exists=True, dir_okay=False,
                                       help="Residents to cover, CSV or Parquet: person_id, jurisdiction_code (grid)"),
) -> None:
    """Validate a round's samples and tube results, resolve every tube and person, and write the outputs."""
    from fangkong.screening.engine import resolve_round
    from fangkong.screening.engine.io import write_problems, write_round

    timezone = settings_for(None).timezone
    started = time.perf_counter()
    with console.status(f"resolving the round with {engine.value}…"):
        res, cov = resolve_round(samples=samples, results=results, roster=roster, pool_size=pool_size,
                                 ct_threshold=ct_threshold, engine=engine.value, timezone=timezone)
    problems = list(dict.fromkeys(res.problems + (cov.problems if cov else [])))
    if problems:
        shared = len(set(res.problems) & set(cov.problems)) if cov else 0  # file-level ones appear in both
        total = res.summary.get("problems", 0) + (cov.summary.get("problems", 0) if cov else 0) - shared
        _print_problems(problems, max(total, len(problems)), write_problems(out, problems))
        raise typer.Exit(1)
    write_round(out, res, cov)
    _print_summary({**res.summary, **({"coverage": cov.summary} if cov else {})}, out, time.perf_counter() - started)


# --- the operational store: lab results into the rounds of the database ------------------------

from fangkong.cli.common import DataDir, print_import, refusals  # noqa: E402 - kept beside the commands that use it


@app.command("import-results")
def import_results(file: Path = typer.Argument(..., exists=True, dir_okay=False), data_dir: DataDir = None) -> None:
    """Store tube results (CSV, XLSX or a FHIR bundle .json) and resolve the rounds they touch."""
    from fangkong.authz import SYSTEM
    from fangkong.db import session_scope, upgrade
    from fangkong.screening.results import upload_file

    settings = settings_for(data_dir)
    upgrade(settings.url)
    with refusals(file.name), session_scope(settings.url) as session:
        report = upload_file(session=session, actor=SYSTEM, path=file)
    if not print_import(file=report.file, fmt=report.format, rows=report.rows, new=report.stored,
                        existing=report.existing, already=report.already_imported):
        return
    for done in report.resolution:
        console.print(f"  round {done['round_id']} ({done['stage']}): {done['new_isolations']} isolated, "
                      f"{done['new_tasks']} re-check tasks, {done['released']} released, {len(done['cases'])} cases")
