"""The docs stay complete: every command, option, setting, action and role is documented."""

from pathlib import Path

import pytest
import typer.main

from fangkong.authz.actions import ACTIONS, ROLES
from fangkong.cli import app
from fangkong.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def commands(command=None, path=("fangkong",)):
    command = command or typer.main.get_command(app)
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from commands(sub, path + (name,))
    else:
        yield " ".join(path), command


@pytest.mark.parametrize("name, command", list(commands()))
def test_every_cli_command_and_option_is_documented(name, command):
    text = (DOCS / "cli.md").read_text()
    assert f"`{name}" in text, f"{name} is not in docs/cli.md"
    section = text.split(f"## `{name}", 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        shown = param.opts[0] if param.opts[0].startswith("-") else param.name.upper()
        assert f"`{shown}" in section, f"{name}: {shown} is not documented"


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_every_setting_is_documented(field):
    assert f"`FANGKONG_{field.upper()}`" in (DOCS / "settings.md").read_text()


def test_every_action_and_role_is_documented():
    text = (DOCS / "permissions.md").read_text()
    for name in [*ACTIONS, *ROLES]:
        assert f"`{name}`" in text
