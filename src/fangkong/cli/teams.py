from __future__ import annotations

import typer
from pydantic import ValidationError
from sqlalchemy import select

from fangkong.auth.models import User
from fangkong.authz import SYSTEM
from fangkong.cli.common import DataDir, console, err_console, fail, settings_for
from fangkong.db import session_scope, upgrade
from fangkong.errors import DomainError
from fangkong.response import teams
from fangkong.response.rules import DEPARTMENTS
from fangkong.response.schemas import TeamCreate

app = typer.Typer(no_args_is_help=True, help="Teams: a department's working group at a jurisdiction node.")


@app.command("create")
def create(
    name: str = typer.Option(..., "--name"),
    department: str = typer.Option(..., "--department", help=f"One of: {', '.join(DEPARTMENTS)}"),
    jurisdiction: str = typer.Option(..., "--jurisdiction", help="Code of the node the team works at"),
    member: list[str] = typer.Option([], "--member", help="User name of a member; repeat for several"),
    data_dir: DataDir = None,
) -> None:
    """Create a team; SLA bundle tasks go to the nearest team of their step's department."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    try:
        with session_scope(settings.url) as session:
            found = dict(session.execute(select(User.username, User.id).where(User.username.in_(member))).all())
            unknown = [m for m in member if m not in found]
            if unknown:
                err_console.print(f"[red]error (field --member): no user {unknown[0]}[/red]")
                raise typer.Exit(1)
            data = TeamCreate(name=name, department=department, jurisdiction_code=jurisdiction,
                              member_ids=[found[m] for m in member])
            team = teams.create_team(session=session, actor=SYSTEM, data=data)
            console.print(f"created team {team.id} {team.name} ({team.department}) at {team.jurisdiction_code}"
                          + (f" with {', '.join(member)}" if member else ""))
    except ValidationError as exc:
        error = exc.errors()[0]
        err_console.print(f"[red]error (field {'.'.join(map(str, error['loc']))}): {error['msg']}[/red]")
        raise typer.Exit(1) from exc
    except DomainError as exc:
        fail(exc)
