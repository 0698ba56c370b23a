"""`fangkong` command line: thin commands that call the services."""

from __future__ import annotations

import typer

from fangkong.cli import (db, demo, imports, jobs, jurisdictions, persons, profiles, screening, serve, sim, teams,
                          tracing, users)

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Fangkong (防控): epidemic prevention and control command platform.")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(imports.app, name="import")
app.add_typer(jurisdictions.app, name="jurisdictions")
app.add_typer(persons.app, name="persons")
app.add_typer(profiles.app, name="profiles")
app.add_typer(teams.app, name="teams")
app.add_typer(jobs.app, name="jobs")
app.add_typer(sim.app, name="sim")
app.add_typer(screening.app, name="screening")
app.add_typer(tracing.ingest_app, name="ingest")
app.add_typer(tracing.trace_app, name="trace")
