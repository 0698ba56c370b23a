"""Load and validate profile files: the packaged editions, or any TOML file given on the command line."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from fangkong.errors import NotFound
from fangkong.protocols.schema import Profile, validate
from fangkong.protocols.values import MISSING_SOURCE

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class ProfileFileError(Exception):
    """A profile file that cannot be used; `errors` lists every problem as 'dotted.path: message'."""

    def __init__(self, path: Path | str, errors: list[str]):
        super().__init__(f"{path}: {len(errors)} problem(s)")
        self.path = str(path)
        self.errors = errors


def dotted(loc: tuple) -> str:
    """('categories', 'close_contact', 'phases', 0, 'days') → categories.close_contact.phases[0].days"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def error_lines(exc: ValidationError) -> list[str]:
    """Every validation error as one line with the dotted path of the offending key."""
    lines = []
    for error in exc.errors():
        loc, kind = tuple(error.get("loc", ())), error.get("type", "")
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if kind == "missing" and loc and loc[-1] == "source":
            loc, message = loc[:-1], MISSING_SOURCE
        elif kind == "missing":
            message = "required key is missing"
        elif kind == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{dotted(loc)}: {message}")
    return lines


def parse(text: str, *, name: str = "profile") -> Profile:
    """A profile from TOML text; raises ProfileFileError listing every problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileFileError(name, [f"(file): not valid TOML: {exc}"]) from exc
    try:
        return validate(document)
    except ValidationError as exc:
        raise ProfileFileError(name, error_lines(exc)) from exc


def load_file(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileFileError(path, [f"(file): cannot read it as UTF-8 text: {exc}"]) from exc
    return parse(text, name=str(path))


def check_file(path: Path) -> list[str]:
    """The problems of a profile file (empty when it is valid)."""
    try:
        load_file(path)
    except ProfileFileError as exc:
        return exc.errors
    return []


@lru_cache(maxsize=1)
def _packaged() -> dict[str, Profile]:
    profiles = {}
    for path in sorted(PROFILE_DIR.glob("*.toml")):
        profile = load_file(path)
        if profile.id != path.stem:
            raise ProfileFileError(path, [f"id: {profile.id!r} differs from the file name {path.stem!r}"])
        profiles[profile.id] = profile
    return dict(sorted(profiles.items(), key=lambda item: (item[1].effective, item[0])))


def list_profiles() -> list[Profile]:
    """The packaged profiles, oldest edition first."""
    return list(_packaged().values())


def profile_ids() -> tuple[str, ...]:
    return tuple(_packaged())


def get_profile(profile_id: str) -> Profile:
    try:
        return _packaged()[profile_id]
    except KeyError:
        raise NotFound(f"no protocol profile {profile_id!r}; shipped: {', '.join(_packaged())}",
                       field="profile_id") from None
