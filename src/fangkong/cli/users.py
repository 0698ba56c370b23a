from __future__ import annotations

import typer

from fangkong.auth import service as auth
from fangkong.authz.actions import ROLES
from fangkong.cli.common import DataDir, console, fail, settings_for
from fangkong.db import session_scope, upgrade
from fangkong.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="User accounts.")


@app.command("create")
def create(
    username: str = typer.Option(..., "--username"), password: str = typer.Option(..., "--password"),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}"),
    jurisdiction: str = typer.Option(..., "--jurisdiction", help="Code of the node the user belongs to"),
    display_name: str = typer.Option("", "--display-name"), data_dir: DataDir = None,
) -> None:
    """Create a user bound to a jurisdiction node."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    try:
        with session_scope(settings.url) as session:
            user = auth.create_user(session=session, actor=None, username=username, password=password, role=role,
                                    jurisdiction_code=jurisdiction, display_name=display_name)
            console.print(f"created user {user.username} ({user.role}) at {user.jurisdiction_code}")
    except DomainError as exc:
        fail(exc)
