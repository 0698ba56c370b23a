"""`fangkong sim`: the synthetic city and the outbreak simulator."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from fangkong.cli.common import console

app = typer.Typer(no_args_is_help=True, help="Synthetic city and agent-based outbreak simulation.")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from exc


@app.command("city")
def city(
    population: int = typer.Option(..., "--population", min=10, help="Number of residents"),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed and population give the same city"),
    out: Path = typer.Option(..., "--out", file_okay=False, help="Folder to write the city into"),
    reference_date: str = typer.Option("2022-03-01", "--reference-date",
                                       help="Day on which ages are counted (birth dates agree with it)"),
) -> None:
    """Build a synthetic city and write it to a folder (Parquet + GeoJSON)."""
    from fangkong.sim.city import build_city, write_city
    from fangkong.sim.city.identity import ensure_identity

    reference = _parse_date(reference_date)
    started = time.perf_counter()
    with console.status(f"building a city of {population:,} residents (seed {seed})…"):
        built = build_city(population=population, seed=seed, reference_date=reference)
    t_build = time.perf_counter() - started
    with console.status("names, ID numbers, phone numbers and place codes…"):
        ensure_identity(built)
    t_identity = time.perf_counter() - started - t_build
    with console.status(f"writing {out}…"):
        write_city(built, out)
    t_write = time.perf_counter() - started - t_build - t_identity
    levels = built.jurisdictions.level
    table = Table("", "count", title=f"city written to {out}")
    for label, value in (
        ("residents", built.n_persons), ("households", built.n_households), ("venues", built.n_venues),
        ("districts", levels.count("district")), ("streets", levels.count("street")),
        ("communities", levels.count("community")), ("grids", levels.count("grid")),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    console.print(f"built in {t_build:.1f} s, identities in {t_identity:.1f} s, written in {t_write:.1f} s")


@app.command("run")
def run(
    city_dir: Path = typer.Option(..., "--city", exists=True, file_okay=False, help="City folder from `sim city`"),
    days: int = typer.Option(..., "--days", min=1, help="Number of days to simulate"),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same city, scenario and seed give the same files"),
    scenario: str = typer.Option("baseline", "--scenario",
                                 help="TOML scenario file, or a built-in scenario: baseline (symptomatic testing), "
                                      "ed9_response, screening_10in1, venues_closed"),
    out: Path = typer.Option(..., "--out", file_okay=False, help="Folder to write the run into"),
    start: str | None = typer.Option(None, "--start", help="First simulated day, YYYY-MM-DD (overrides the scenario)"),
    presence: bool = typer.Option(True, "--presence/--no-presence", help="Write 800 m cell presence intervals"),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG plots into OUT/plots"),
) -> None:
    """Simulate an outbreak in a city and write visits, check-ins, presence, infections and observed data."""
    from fangkong.sim import RunConfig, read_city, run_sim
    from fangkong.sim.interventions import ScenarioError
    from fangkong.sim.scenario import load_scenario

    base = RunConfig(presence=presence)
    try:
        config, interventions = load_scenario(scenario, base=base)
    except ScenarioError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    if start is not None:
        config = config.model_copy(update={"start_date": _parse_date(start)})
    with console.status(f"reading the city in {city_dir}…"):
        city_ = read_city(city_dir)
    started = time.perf_counter()
    try:
        result = run_sim(city=city_, days=days, seed=seed, config=config, interventions=interventions, out=out,
                         progress=True, plots=plots)
    except ScenarioError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]", soft_wrap=True)
        raise typer.Exit(2) from None
    elapsed = time.perf_counter() - started
    table = Table("", "value", title=f"run written to {out}")
    for key, value in result.summary.items():
        table.add_row(key.replace("_", " "), f"{value:.3f}" if isinstance(value, float) else f"{value:,}")
    console.print(table)
    console.print(f"{city_.n_persons:,} persons x {days} days in {elapsed:.1f} s")
