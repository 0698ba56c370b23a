from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import typer
from sqlalchemy import func, select
from rich.table import Table

from fangkong.cli.common import DataDir, console, settings_for
from fangkong.cli.serve import run_server
from fangkong.config import default_data_dir
from fangkong.db import session_scope, upgrade
from fangkong.geo import service as geo


def demo(data_dir: DataDir = None, no_serve: bool = typer.Option(False, "--no-serve", help="Build the data folder only"),
         port: int = typer.Option(8000, "--port"), host: str = typer.Option("127.0.0.1", "--host"),
         persons: int = typer.Option(5000, "--persons", help="Size of the synthetic city"),
         seed: int = typer.Option(2022, "--seed")) -> None:
    """Build a demo city with a simulated outbreak (once per data folder) and serve it."""
    from fangkong.demo.city import build_city, write_simulation
    from fangkong.demo.seed import DEMO_PASSWORD, demo_logins
    from fangkong.demo.seed import seed as seed_city
    from fangkong.demo.tracing import seed_tracing
    from fangkong.people.models import Person

    settings = settings_for(data_dir or Path(default_data_dir()) / "demo", environment="demo")
    upgrade(settings.url)
    started = time.perf_counter()
    # The outbreak ends yesterday, so the dashboard's clocks and curves read as a live situation.
    end = datetime.now(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    city = build_city(seed=seed, persons=persons, end=end)
    with session_scope(settings.url) as session:
        fresh = geo.count(session=session) == 0
        logins = seed_city(session=session, city=city) if fresh else demo_logins(city)
    if fresh:
        # The run's check-ins and presence, for tracing to ingest: the same people as the database's.
        city_dir, run_dir = write_simulation(city=city, folder=Path(settings.data_dir) / "sim")
        with session_scope(settings.url) as session:
            traced = seed_tracing(session=session, settings=settings, city_dir=city_dir, run_dir=run_dir,
                                  first_person_id=session.scalar(select(func.min(Person.id))))
        console.print(f"demo city built in {settings.data_dir} in {time.perf_counter() - started:.1f} s: "
                      f"{len(city.jurisdictions)} jurisdictions, {len(city.persons)} persons, {len(city.cases)} cases")
        console.print(f"simulated city in {city_dir}; its outbreak (check-ins, presence, infections) in {run_dir}")
        console.print(f"tracing: {traced.venues} venues, {traced.checkins} check-ins and {traced.presence} presence "
                      f"records in the bulk store, {traced.investigations} investigations, {traced.links} "
                      f"transmission links, {traced.searches_done} exposure searches run (the server runs the rest)")
    else:
        console.print(f"using the demo city already in {settings.data_dir}")
    console.print(f"demo logins (password for each: [bold]{DEMO_PASSWORD}[/bold]):")
    table = Table("user", "role", "jurisdiction", "sees")
    for login in logins:
        table.add_row(login.username, login.role, login.jurisdiction_code, login.note)
    console.print(table, soft_wrap=True)
    if not no_serve:
        run_server(settings, host, port)
