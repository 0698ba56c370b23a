from __future__ import annotations

import typer

from fangkong.auth import service as auth
from fangkong.cli.common import DataDir, console, err_console, settings_for
from fangkong.config import Environment, Settings
from fangkong.db import session_scope, upgrade


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from fangkong.app import create_app

    console.print(f"serving on http://{host}:{port}  (API: http://{host}:{port}/api/v1/docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def serve(data_dir: DataDir = None, host: str = typer.Option("127.0.0.1", "--host"),
          port: int = typer.Option(8000, "--port")) -> None:
    """Serve the web UI and API; refuses while a default or demo password exists (outside demo mode)."""
    settings = settings_for(data_dir)
    upgrade(settings.url)
    with session_scope(settings.url) as session:
        weak = auth.users_with_default_passwords(session=session)
        if not auth.count_users(session=session):
            err_console.print("no users yet: create one with `fangkong users create`")
    if weak and settings.environment != Environment.demo:
        err_console.print(f"[red]refusing to serve: users with a default or demo password: {', '.join(weak)}. "
                          "Change them, or run in demo mode (FANGKONG_ENVIRONMENT=demo).[/red]")
        raise typer.Exit(1)
    run_server(settings, host, port)
